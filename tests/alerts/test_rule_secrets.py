"""Webhook secrets in rules are sealed at rest and opened only to sign."""

from __future__ import annotations

import pytest
from cryptography.fernet import Fernet

from echodash.alerts.rule_secrets import SEALED, open_secret, seal_secrets
from echodash.alerts.rules import parse_rule
from echodash.crypto import SecretBox, SecretKeyError

SECRET = "whsec_" + "c2VjcmV0LWtlcHQtc2VhbGVk"


def document() -> dict[str, object]:
    return {
        "name": "r",
        "condition": {"kind": "every"},
        "actions": [
            {"kind": "webhook", "url": "https://hooks.example/a", "secret": SECRET},
            {"kind": "webhook", "url": "https://hooks.example/b"},
            {"kind": "email", "to": ["oncall@example.com"]},
        ],
    }


def test_a_sealed_secret_opens_to_the_secret_and_is_never_in_the_document() -> None:
    box = SecretBox(Fernet.generate_key())
    sealed = seal_secrets(document(), box)
    stored = sealed["actions"][0]["secret"]  # type: ignore[index]
    assert stored.startswith(SEALED) and SECRET not in str(sealed)
    assert sealed["actions"][1:] == document()["actions"][1:]  # type: ignore[index]
    assert open_secret(stored, box) == SECRET
    # Sealing again leaves a sealed secret alone (a PATCH keeping the saved one).
    assert seal_secrets(sealed, box) == sealed
    # The rule reads the same, and shows the mask, never the sealed text.
    rule = parse_rule(sealed)
    assert rule.actions[0].to_json()["secret"] == "whsec_…"


def test_a_plain_secret_passes_through_and_a_wrong_key_or_no_key_is_an_error() -> None:
    box = SecretBox(Fernet.generate_key())
    assert open_secret(SECRET, box) == SECRET and open_secret(None, box) is None
    stored = seal_secrets(document(), box)["actions"][0]["secret"]  # type: ignore[index]
    with pytest.raises(SecretKeyError):
        open_secret(stored, SecretBox(Fernet.generate_key()))
    with pytest.raises(ValueError, match="no key"):
        open_secret(stored, None)
