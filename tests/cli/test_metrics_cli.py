"""`echodash metrics ...`: the API's numbers as tables or the same JSON, and `rebuild`
working the facts out again from stored events to the same numbers."""

from __future__ import annotations

import json
from typing import Any

from tests.http.test_metrics_api import NPS_SCORES, SINCE, T0, UNTIL, custom, metric
from tests.support import Server

WINDOW = ("--since", SINCE, "--until", UNTIL)


def _cli(server: Server, *args: str) -> str:
    done = server.cli("metrics", *args)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def test_metrics_commands_print_tables_and_the_apis_json(server: Server) -> None:
    batch: list[dict[str, Any]] = [
        custom("nps", f"n{k}", T0, score) for k, score in enumerate(NPS_SCORES)
    ]
    batch += [custom("Viewed", "v1", T0), custom("Paid", "v1", T0), custom("Viewed", "v2", T0)]
    with server.client() as c:
        assert c.post("/api/v1/events", json={"batch": batch}).status_code == 202
    server.wait_for_events(len(batch), source="custom")

    table = _cli(server, "nps", *WINDOW)
    assert "NPS" in table and "14.29" in table and "promoters" in table
    assert json.loads(_cli(server, "nps", *WINDOW, "--json")) == metric(
        server, "nps", since=SINCE, until=UNTIL
    )
    funnel = _cli(server, "funnel", "--steps", "Viewed,Paid", *WINDOW)
    assert "Viewed" in funnel and "50.00 %" in funnel
    for command in ("dora", "revenue", "csat", "product"):
        assert json.loads(_cli(server, command, *WINDOW, "--json")) == metric(
            server, command, since=SINCE, until=UNTIL
        )
    assert "deployments" in _cli(server, "dora", "--since", "30d")
    assert "MRR at end" in _cli(server, "revenue", "--since", "12w")
    retention = _cli(
        server, "retention", "--start-event", "Viewed", "--return-event", "Paid", *WINDOW
    )
    assert "cohort" in retention
    ttv = _cli(server, "time-to-value", "--activation-event", "Paid", *WINDOW)
    assert "activated" in ttv
    bad = server.cli("metrics", "nps", "--since", "soon")
    assert bad.returncode == 2 and "--since" in bad.stderr

    before = metric(server, "nps", since=SINCE, until=UNTIL)
    rebuilt = _cli(server, "rebuild")
    assert "facts kept" in rebuilt
    assert metric(server, "nps", since=SINCE, until=UNTIL) == before
    assert before["responses"] == len(NPS_SCORES)
