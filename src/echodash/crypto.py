"""Secrets at rest: webhook secrets encrypted, API tokens hashed, slugs unguessable."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken

TOKEN_PREFIX = "edk_"  # noqa: S105 - a visible prefix, not a secret


def new_slug() -> str:
    """A receive-URL slug: 160 random bits, URL-safe."""
    return secrets.token_urlsafe(20)


def new_api_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    """API tokens carry ≥ 256 random bits, so one SHA-256 is enough to store them safely."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SecretKeyError(ValueError):
    """A stored secret was sealed with another key than the one configured."""


class SecretBox:
    """Encrypts webhook secrets before they reach the database."""

    def __init__(self, key: bytes) -> None:
        self._fernet = Fernet(key)
        self._key = key

    def derive(self, label: str) -> str:
        """A stable secret for one purpose (e.g. the first-admin setup link), the same on
        every node that shares this key, and useless for anything else."""
        mac = hmac.new(self._key, b"echodash-derive:" + label.encode("utf-8"), hashlib.sha256)
        return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")

    @classmethod
    def from_setting_or_file(cls, setting: str, data_dir: Path) -> SecretBox:
        if setting:
            return cls(_derive_key(setting))
        path = data_dir / "secret.key"
        if not path.exists():
            data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            # Write aside, then link into place: two processes starting at once agree on one key.
            tmp = data_dir / f".secret.key.{os.getpid()}"
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(Fernet.generate_key())
                handle.flush()
                os.fsync(handle.fileno())
            try:
                os.link(tmp, path)
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        return cls(path.read_bytes().strip())

    def seal(self, secret: str) -> str:
        return self._fernet.encrypt(secret.encode("utf-8")).decode("ascii")

    def open(self, sealed: str) -> str:
        try:
            return self._fernet.decrypt(sealed.encode("ascii")).decode("utf-8")
        except InvalidToken:
            raise SecretKeyError(
                "a stored secret cannot be decrypted with this secret key"
            ) from None


def _derive_key(setting: str) -> bytes:
    digest = hashlib.sha256(b"echodash-secret-box:" + setting.encode("utf-8")).digest()
    return base64.urlsafe_b64encode(digest)
