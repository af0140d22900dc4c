"""GitHub titles for people, repositories and pings, and the generic line."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from echodash.events import Severity
from tests.sources.github.helpers import (
    edited,
    fixture,
    parse_one,
)

# ---- people, repositories, ping ----------------------------------------------------------------


def test_star() -> None:
    draft = parse_one("star", fixture("star/created.payload.json"))
    assert draft.type == "star.created"
    assert draft.title == "Codertocat starred Codertocat/Hello-World"
    assert draft.occurred_at == datetime(2019, 5, 15, 15, 20, 40, tzinfo=UTC)
    assert draft.url == "https://github.com/Codertocat/Hello-World"
    assert draft.fields == {"stars": 1}
    unstar = parse_one("star", fixture("star/deleted.payload.json"))
    assert unstar.title == "Codertocat unstarred Codertocat/Hello-World"


def test_ping() -> None:
    draft = parse_one("ping", fixture("ping/payload.json"))
    assert draft.type == "ping"
    assert draft.title == "GitHub webhook for Octocoders/Hello-World is connected (ping)"
    assert draft.summary == "Anything added dilutes everything else."
    assert draft.fields["hook_id"] == 109948940
    org = parse_one("ping", fixture("ping/with-organization.payload.json"))
    assert org.title == "GitHub webhook for Octocoders is connected (ping)"
    assert org.subject == "Octocoders"
    assert org.url == "https://github.com/Octocoders"


def test_repository_deleted_is_a_warning() -> None:
    body = edited("repository/created.payload.json", {"action": "deleted"})
    draft = parse_one("repository", body)
    assert draft.title == "Codertocat deleted repository Octocoders/Hello-World"
    assert draft.severity is Severity.WARNING


def test_fork_and_member() -> None:
    fork = parse_one("fork", fixture("fork/payload.json"))
    assert fork.title == "Octocoders forked Codertocat/Hello-World to Octocoders/Hello-World"
    assert fork.url == "https://github.com/Octocoders/Hello-World"
    member = parse_one("member", fixture("member/added.payload.json"))
    assert member.title == "hacktocat added hacktocat to Codertocat/Hello-World"


# ---- generic titles, odd shapes, bodies that are not JSON ----------------------------------


def test_event_without_a_specific_title_gets_a_generic_sentence() -> None:
    # Labels had no title of their own once; an event EchoDash does not know has none.
    widget = edited(
        "label/created.payload.json", {"label": None, "widget": {"id": 42, "name": "gizmo"}}
    )
    generic = parse_one("widget", widget)
    assert generic.type == "widget.created"
    assert generic.title == "Widget gizmo created in Codertocat/Hello-World by Codertocat"
    label = parse_one("label", fixture("label/created.payload.json"))
    assert label.type == "label.created"
    assert label.title == "Codertocat created label :bug: Bugfix in Codertocat/Hello-World"
    body = json.dumps(
        {"action": "sparkled", "sender": {"login": "alice"}, "repository": {"full_name": "a/w"}}
    ).encode()
    novel = parse_one("brand_new_thing", body)
    assert novel.type == "brand_new_thing.sparkled"
    assert novel.title == "Brand new thing sparkled in a/w by alice"
    no_header = parse_one(None, body)
    assert no_header.type == "unknown.sparkled"
    assert "a/w" in no_header.title
    assert "alice" in no_header.title
