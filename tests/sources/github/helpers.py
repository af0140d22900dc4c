"""What the GitHub tests share: the source, a secret, signed headers, one-event parsing."""

from __future__ import annotations

import hashlib
import hmac

from echodash.events import EventDraft
from echodash.sources.github import GitHubSource
from tests.sources.github.samples import FIXTURES, edited, fixture
from tests.support import GITHUB_FIXTURES

BUILDERS = GitHubSource.titles

SECRET = "s3cr3t-for-tests"
SOURCE = GitHubSource()
FIXTURE_DIR = GITHUB_FIXTURES


def sign(body: bytes, secret: str = SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def headers_for(event: str | None, body: bytes, **extra: str) -> dict[str, str]:
    headers = {"content-type": "application/json", "x-hub-signature-256": sign(body)}
    if event is not None:
        headers["x-github-event"] = event
    headers.update(extra)
    return headers


def parse_one(event: str | None, body: bytes, **extra: str) -> EventDraft:
    drafts = SOURCE.parse(headers_for(event, body, **extra), body)
    assert len(drafts) == 1
    return drafts[0]


__all__ = [
    "BUILDERS",
    "FIXTURES",
    "FIXTURE_DIR",
    "SECRET",
    "SOURCE",
    "edited",
    "fixture",
    "headers_for",
    "parse_one",
    "sign",
]
