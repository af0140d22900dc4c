""" "Error or worse": `severity_min=` on the events API and the live stream, and
`--severity-min` in the CLI. Order: info and success < warning < error < critical."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.support import Server, StreamListener

MIX = ["info", "critical", "success", "warning", "error", "info", "critical", "error"]


@pytest.fixture(scope="module")
def mixed(server: Server) -> list[dict[str, Any]]:
    """One custom event per severity in MIX (named by its place), newest first as stored."""
    batch = [
        {"event": f"Check {i} {severity}", "values": {"severity": severity}, "id": f"sev-{i}"}
        for i, severity in enumerate(MIX)
    ]
    with server.client() as c:
        assert c.post("/api/v1/events", json={"batch": batch}).status_code == 202
    return server.wait_for_events(len(MIX))


def _severities(events: list[dict[str, Any]]) -> list[str]:
    return [e["severity"] for e in events]


def test_error_or_worse_is_error_and_critical_newest_first(
    server: Server, mixed: list[dict[str, Any]]
) -> None:
    found = server.all_events(severity_min="error")
    assert _severities(found) == ["error", "critical", "error", "critical"]
    assert [e["id"] for e in found] == [
        e["id"] for e in mixed if e["severity"] in {"error", "critical"}
    ]


def test_warning_or_worse_adds_warnings_and_leaves_out_info_and_success(
    server: Server, mixed: list[dict[str, Any]]
) -> None:
    found = server.all_events(severity_min="warning")
    assert sorted(_severities(found)) == ["critical", "critical", "error", "error", "warning"]
    assert len(server.all_events(severity_min="info")) == len(MIX)
    # The exact filter still means exactly: critical events are not "error".
    assert _severities(server.all_events(severity="error")) == ["error", "error"]


def test_pages_of_error_or_worse_hold_each_event_once(
    server: Server, mixed: list[dict[str, Any]]
) -> None:
    seen: list[int] = []
    cursor = None
    with server.client() as c:
        while True:
            params = {"severity_min": "error", "limit": 1, **({"cursor": cursor} if cursor else {})}
            page = c.get("/api/v1/events", params=params).json()
            seen += [e["id"] for e in page["events"]]
            cursor = page["next_cursor"]
            if not cursor:
                break
    assert seen == [e["id"] for e in server.all_events(severity_min="error")]
    assert len(seen) == 4


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"severity_min": "loud"}, "`severity_min` must be one of"),
        ({"severity_min": "error", "severity": "error"}, "not both"),
    ],
)
def test_bad_floors_are_refused(server: Server, params: dict[str, str], detail: str) -> None:
    with server.client() as c:
        answer = c.get("/api/v1/events", params=params)
    assert answer.status_code == 400
    assert detail in answer.json()["detail"]


def test_the_live_stream_sends_error_or_worse_only(server: Server) -> None:
    with StreamListener(server, severity_min="error") as stream, server.client() as c:
        for i, severity in enumerate(["info", "warning", "critical", "success", "error"]):
            event = {"event": f"Live {i} {severity}", "values": {"severity": severity}}
            assert c.post("/api/v1/events", json=event).status_code == 202
        got = [stream.next()[1] for _ in range(2)]
    assert [(e["title"], e["severity"]) for e in got] == [
        ("Live 2 critical", "critical"),
        ("Live 4 error", "error"),
    ]


def test_cli_severity_min(server: Server, mixed: list[dict[str, Any]]) -> None:
    shown = server.cli("events", "list", "--severity-min", "error", "--limit", "500", "--json")
    assert shown.returncode == 0, shown.stderr
    severities = {json.loads(line)["severity"] for line in shown.stdout.splitlines()}
    assert severities == {"error", "critical"}
    both = server.cli("events", "list", "--severity-min", "error", "--severity", "error")
    assert both.returncode == 2
    assert "not both" in both.stderr
