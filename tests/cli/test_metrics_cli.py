"""`echodash metrics ...`: the API's numbers as tables or the same JSON, and `rebuild`
working the facts out again from stored events to the same numbers."""

from __future__ import annotations

import json

from tests.http import test_metrics_api as api
from tests.http.test_metrics_api import SINCE, UNTIL, metric
from tests.support import Server

WINDOW = ("--since", SINCE, "--until", UNTIL)
QUERIES: list[tuple[str, dict[str, str]]] = [
    ("dora", {}),
    ("dora", {"repository": "acme/ops"}),
    ("revenue", {}),
    ("product", {"event": "Opened app"}),
    ("retention", {"start_event": "Joined", "return_event": "Came back", "period": "week"}),
    ("funnel", {"steps": "Viewed,Carted,Paid"}),
    ("time-to-value", {"activation_event": "Activated"}),
    ("nps", {}),
    ("csat", {}),
]


def _cli(server: Server, *args: str) -> str:
    done = server.cli("metrics", *args)
    assert done.returncode == 0, done.stderr + done.stdout
    return done.stdout


def _flags(params: dict[str, str]) -> list[str]:
    return [part for k, v in params.items() for part in (f"--{k.replace('_', '-')}", v)]


def test_metrics_commands_print_tables_and_the_apis_json(server: Server) -> None:
    # The HTTP tests' deliveries and events (each checks its own numbers as it goes).
    api.test_dora_from_signed_github_deliveries(server)
    api.test_revenue_from_signed_stripe_deliveries_shuffled_with_duplicates(server)
    api.test_product_metrics_from_custom_events(server)

    answers = {}
    for name, params in QUERIES:
        answer = metric(server, name, since=SINCE, until=UNTIL, **params)
        printed = json.loads(_cli(server, name, *WINDOW, *_flags(params), "--json"))
        assert printed == answer, name
        answers[(name, tuple(params.items()))] = answer

    nps = _cli(server, "nps", *WINDOW)
    assert "NPS" in nps and "14.29" in nps and "promoters" in nps
    assert "69.16 %" in _cli(server, "csat", *WINDOW)
    dora = _cli(server, "dora", "--repository", "acme/ops", *WINDOW)
    assert "33.33 %" in dora and "105 min" in dora and "low" in dora
    revenue = _cli(server, "revenue", *WINDOW)
    assert "100.00 USD" in revenue and "96.00 USD" in revenue and "12.00 %" in revenue
    funnel = _cli(server, "funnel", "--steps", "Viewed,Carted,Paid", *WINDOW)
    assert "1 h 30 min" in funnel and "25.00 %" in funnel
    assert "2 h" in _cli(server, "time-to-value", "--activation-event", "Activated", *WINDOW)
    assert "deployments" in _cli(server, "dora", "--since", "30d")
    assert "MRR at end" in _cli(server, "revenue", "--since", "12w")
    bad = server.cli("metrics", "nps", "--since", "soon")
    assert bad.returncode == 2 and "--since" in bad.stderr

    assert "facts kept" in _cli(server, "rebuild")
    for name, params in QUERIES:
        again = metric(server, name, since=SINCE, until=UNTIL, **params)
        assert again == answers[(name, tuple(params.items()))], name
