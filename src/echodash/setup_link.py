"""The first-admin link: how a new installation gets its first account.

Its token is derived from the installation's secret key, so every node (and the CLI's
`echodash users setup-link`) gives the same link, and it is worthless once an account exists.
"""

from __future__ import annotations

from echodash.crypto import SecretBox

LABEL = "first-admin-setup"


def setup_token(box: SecretBox) -> str:
    return box.derive(LABEL)


def setup_url(base_url: str, box: SecretBox) -> str:
    return f"{base_url}/setup?token={setup_token(box)}"
