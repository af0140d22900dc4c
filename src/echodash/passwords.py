"""Passwords: argon2id hashes, verified in a thread so a login never stalls the event loop."""

from __future__ import annotations

import asyncio

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_LENGTH = 10

# argon2-cffi's defaults follow RFC 9106's second recommendation (64 MiB, 3 passes).
_hasher = PasswordHasher()


def password_problem(password: str) -> str | None:
    """Why a new password is refused, in words, or None."""
    if len(password) < MIN_LENGTH:
        return f"Use at least {MIN_LENGTH} characters for your password."
    if len(password) > 1024:
        return "That password is too long (1,024 characters at most)."
    return None


async def hash_password(password: str) -> str:
    return await asyncio.to_thread(_hasher.hash, password)


async def check_password(stored_hash: str, password: str) -> tuple[bool, str | None]:
    """Whether the password matches, and a fresh hash when the stored one is outdated."""

    def verify() -> tuple[bool, str | None]:
        try:
            _hasher.verify(stored_hash, password)
        except (VerificationError, InvalidHashError):
            return False, None
        if _hasher.check_needs_rehash(stored_hash):
            return True, _hasher.hash(password)
        return True, None

    return await asyncio.to_thread(verify)


def burn_time(password: str) -> None:
    """Spend what a real check costs, so an unknown e-mail takes as long as a wrong password."""
    _hasher.hash(password)
