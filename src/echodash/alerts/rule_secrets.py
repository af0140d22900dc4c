"""Webhook secrets in alert rules are sealed at rest, like endpoint secrets.

A rule's document keeps `"secret": "sealed:<token>"` (encrypted with the instance's key) in
place of the `whsec_…` the person typed. Only the sender opens it, when it signs; answers
show `whsec_…` either way, and rules read for matching or dry runs never need it.
"""

from __future__ import annotations

from typing import Any

from echodash.crypto import SecretBox

SEALED = "sealed:"


def is_sealed(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(SEALED)


def seal_secrets(document: dict[str, Any], box: SecretBox) -> dict[str, Any]:
    """The document with every plain webhook secret sealed (sealed ones are kept as they are)."""
    actions = document.get("actions")
    if not isinstance(actions, list):
        return document
    sealed = []
    for action in actions:
        secret = action.get("secret") if isinstance(action, dict) else None
        if isinstance(secret, str) and not is_sealed(secret):
            action = {**action, "secret": SEALED + box.seal(secret)}
        sealed.append(action)
    return {**document, "actions": sealed}


def open_secret(value: str | None, box: SecretBox | None) -> str | None:
    """The secret to sign with. SecretKeyError when it was sealed with another key; ValueError
    when it is sealed and no key is at hand."""
    if value is None or not is_sealed(value):
        return value
    if box is None:
        raise ValueError("the webhook secret is sealed and this process has no key to open it")
    return box.open(value.removeprefix(SEALED))
