"""GitHub source: every shared fixture (octokit's published payloads) verifies and parses."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from echodash.sources.github.reader import Payload
from echodash.sources.kit.payload import dig
from tests.sources.github.helpers import (
    BUILDERS,
    FIXTURE_DIR,
    FIXTURES,
    SECRET,
    SOURCE,
    headers_for,
)


def test_the_shared_fixtures_are_found() -> None:
    assert FIXTURE_DIR.is_dir(), f"missing {FIXTURE_DIR}"
    assert len(FIXTURES) >= 200
    assert len({path.parent.name for path in FIXTURES}) >= 60


# ---- every real payload ------------------------------------------------------------------


@pytest.mark.parametrize("path", FIXTURES, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_every_fixture_verifies_and_parses(path: Path) -> None:
    event, body = path.parent.name, path.read_bytes()
    headers = headers_for(event, body, **{"x-github-delivery": "72d3162e-cc78-11e3-81ab"})
    assert SOURCE.verify(headers, body, [SECRET]) == 0
    assert SOURCE.delivery_id(headers, body) == "72d3162e-cc78-11e3-81ab"

    drafts = SOURCE.parse(headers, body)
    assert len(drafts) >= 1
    draft = drafts[0]
    assert draft.type == event or draft.type.startswith(event + ".")
    assert " " in draft.title
    assert len(draft.title) > len(draft.type)
    assert "\n" not in draft.title
    assert "not JSON" not in draft.title
    document = json.loads(body)
    where = dig(document, "repository.full_name") or dig(document, "organization.login")
    if where:
        assert where in draft.title
        assert draft.subject == where
    assert draft.url is None or draft.url.startswith(("https://", "http://"))
    assert draft.occurred_at is None or draft.occurred_at.tzinfo is not None
    assert all(isinstance(v, str | int | float | bool) for v in draft.fields.values())
    assert all(isinstance(tag, str) and tag for tag in draft.tags)
    if event in BUILDERS:  # the specific title, not the fallback after an error
        assert BUILDERS[event](Payload(event, document)) == draft
