"""GitHub parsing never fails: odd shapes, broken builders, bodies that are not JSON."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.events import EventDraft
from echodash.sources.github import GitHubSource
from echodash.sources.github.reader import Payload
from tests.sources.github.helpers import (
    BUILDERS,
    SECRET,
    SOURCE,
    fixture,
    headers_for,
    parse_one,
)


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"action": None, "sender": None, "repository": None},
        {"action": 7, "sender": "alice", "repository": ["acme/web"], "pull_request": "x"},
        {"pull_request": {"number": "two", "title": {"x": 1}, "merged": "yes", "labels": 3}},
        {"commits": "many", "ref": 5, "forced": "no", "head_commit": [], "compare": 1},
        {"workflow_run": {"conclusion": ["failure"], "updated_at": "not a date"}},
        {"alert": {"number": True, "security_advisory": None}, "action": "created"},
        {"release": {"published_at": "9999-12-31T23:59:59-01:00"}, "action": "published"},
        {"starred_at": 10**30, "action": "created"},
        {"commits": 5, "pages": 5, "labels": "bug", "branches": {"name": "main"}},
        {"commits": [1, None, "x"], "pages": [None, "x"], "changes": [1]},
    ],
)
@pytest.mark.parametrize("event", BUILDERS.names())
def test_odd_shapes_never_raise(event: str, document: dict[str, Any]) -> None:
    draft = parse_one(event, json.dumps(document).encode())
    assert draft.type.startswith(event)
    assert " " in draft.title
    # The specific builder copes on its own: no information lost to the generic fallback.
    assert BUILDERS[event](Payload(event, document)) == draft


PUSH = "push/with-new-branch.payload.json"
CONTENT_TYPES = st.sampled_from(["application/json", "application/x-www-form-urlencoded", ""])


def test_fallback_when_a_specific_builder_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(payload: Payload) -> EventDraft:
        raise KeyError("head_commit")

    monkeypatch.setattr(GitHubSource, "titles", BUILDERS.replaced("push", broken))
    draft = parse_one("push", fixture(PUSH))
    assert draft.type == "push"
    assert draft.title == "Push in Codertocat/Hello-World by Codertocat"
    assert (draft.actor, draft.subject) == ("Codertocat", "Codertocat/Hello-World")


@pytest.mark.parametrize(
    ("event", "body", "title"),
    [
        ("push", b"\xff\xfe not json", "GitHub sent a push delivery that is not JSON"),
        ("issues", b"", "GitHub sent an issues delivery that is not JSON"),
        ("push", b"[1, 2, 3]", "GitHub sent a push delivery that is not a JSON object"),
        (None, b"<html>", "GitHub sent a delivery that is not JSON"),
    ],
)
def test_body_that_is_not_a_json_object(event: str | None, body: bytes, title: str) -> None:
    draft = parse_one(event, body)
    assert draft.title == title
    assert draft.type == (event or "unknown")


def test_form_encoded_body_parses_like_json() -> None:
    body = fixture("issues/opened.payload.json")
    expected = parse_one("issues", body)
    form = urlencode({"payload": body.decode()}).encode()
    content_type = "application/x-www-form-urlencoded"
    assert parse_one("issues", form, **{"content-type": content_type}) == expected
    # Some proxies drop the content type: the `payload=` prefix is enough.
    assert parse_one("issues", form, **{"content-type": ""}) == expected
    headers = headers_for("issues", form, **{"content-type": content_type})
    assert SOURCE.verify(headers, form, [SECRET]) == 0


KEYS = st.sampled_from(
    [
        "action",
        "sender",
        "login",
        "repository",
        "full_name",
        "organization",
        "pull_request",
        "number",
        "title",
        "merged",
        "ref",
        "commits",
        "forced",
        "created",
        "deleted",
        "workflow_run",
        "conclusion",
        "status",
        "state",
        "alert",
        "severity",
        "release",
        "tag_name",
        "issue",
        "comment",
        "deployment",
        "deployment_status",
        "environment",
        "head_branch",
        "updated_at",
        "html_url",
        "name",
        "labels",
        "pages",
        "changes",
    ]
)
JSON_VALUES = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=30)
    | st.sampled_from(["2024-05-01T10:00:00Z", "refs/heads/main", "https://x.test", "failure"]),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(KEYS, children, max_size=6),
    max_leaves=30,
)
EVENTS = st.sampled_from(BUILDERS.names()) | st.text(max_size=30)


@settings(deadline=None, max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(event=EVENTS, document=st.dictionaries(KEYS, JSON_VALUES, max_size=8), kind=CONTENT_TYPES)
def test_arbitrary_json_shapes_never_raise(event: str, document: dict[str, Any], kind: str) -> None:
    raw = json.dumps(document).encode()
    body = urlencode({"payload": raw.decode()}).encode() if "form" in kind else raw
    drafts = SOURCE.parse({"x-github-event": event, "content-type": kind}, body)
    assert len(drafts) == 1
    assert drafts[0].title
    assert all(isinstance(v, str | int | float | bool) for v in drafts[0].fields.values())
