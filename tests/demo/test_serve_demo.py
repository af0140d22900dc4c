"""`echodash serve --demo` (what `make run` starts): the first workspace filled with the demo
company through the receive path, then read back over the API as a newcomer would."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

from echodash.demo.company import BAD_WEEK_START
from echodash.demo.model import SOURCES
from tests.http.metric_events import metric
from tests.support import Server


def test_the_feed_has_events_from_every_source(demo_server: Server) -> None:
    events = demo_server.all_events()
    sources = Counter(e["source"] for e in events)
    assert set(SOURCES) | {"custom", "alerts"} <= set(sources)
    assert len(events) > 12_000
    # The history spans the 90 days, dated by each sender.
    times = sorted(datetime.fromisoformat(e["occurred_at"]) for e in events)
    now = datetime.now(UTC)
    assert times[0] < now - timedelta(days=88)
    assert times[-1] <= now
    # Every endpoint the demo made received its deliveries signed: nothing was refused.
    with demo_server.client() as c:
        endpoints = c.get("/api/v1/endpoints").json()["endpoints"]
    demo_endpoints = [e for e in endpoints if e["name"].endswith("(demo)")]
    assert {e["kind"] for e in demo_endpoints} == set(SOURCES)
    with demo_server.client() as c:
        for endpoint in demo_endpoints:
            stats = c.get(f"/api/v1/endpoints/{endpoint['id']}").json()
            assert stats["stats"]["deliveries"] > 0, endpoint["name"]
            assert sum(stats["stats"]["rejections"].values()) == 0, stats


def test_an_alert_fires_with_its_suspect_deploy(demo_server: Server) -> None:
    with demo_server.client() as c:
        alerts = c.get("/api/v1/alerts").json()["alerts"]
    firing = [a for a in alerts if a["status"] == "firing"]
    assert firing, alerts
    alert = firing[0]
    assert alert["rule_name"] == "Errors in production (demo)"
    top = alert["suspects"][0]
    assert top["category"] == "deployment" and top["environment"] == "production"
    assert top["service"] == "github:acme/api"
    assert "deployed to production in acme/api" in top["reason"]
    opened = datetime.fromisoformat(alert["opened_at"])
    assert datetime.fromisoformat(top["occurred_at"]) < opened <= datetime.now(UTC)


def test_the_metrics_have_ninety_days_to_show(demo_server: Server) -> None:
    dora = metric(demo_server, "dora")
    assert dora["deployment_frequency"]["count"] > 150
    assert dora["deployment_frequency"]["band"] == "elite"
    assert dora["lead_time_minutes"]["band"] == "elite"
    assert dora["change_failure_rate"]["value"] > 0
    assert dora["recovery_time_minutes"]["median"] > 0
    # From the day after the first customers subscribed: what happened to them since.
    since = (datetime.now(UTC) - timedelta(days=88)).isoformat()
    revenue = metric(demo_server, "revenue", since=since)
    assert revenue["mrr"]["end"] > revenue["mrr"]["start"] > 0
    moves = revenue["movements"]
    assert all(moves[k] > 0 for k in ("new", "expansion", "contraction", "churn")), moves
    product = metric(demo_server, "product")
    assert max(p["value"] for p in product["dau"]) > 30
    nps = metric(demo_server, "nps")
    assert nps["responses"] > 100 and 0 < nps["nps"] < 100
    assert metric(demo_server, "csat")["responses"] > 50


def test_the_bad_week_shows_in_its_own_window(demo_server: Server) -> None:
    """The bad week: more failed changes and far slower lead times than the 90 days."""
    now = datetime.now(UTC)
    first_day = (now - timedelta(days=90)).replace(hour=0, minute=0, second=0, microsecond=0)
    start = first_day + timedelta(days=BAD_WEEK_START)
    bad = metric(
        demo_server, "dora", since=start.isoformat(), until=(start + timedelta(days=7)).isoformat()
    )
    whole = metric(demo_server, "dora")
    assert bad["change_failure_rate"]["value"] >= 0.1 > whole["change_failure_rate"]["value"]
    assert bad["change_failure_rate"]["band"] in ("medium", "low")
    assert bad["lead_time_minutes"]["median"] > 12 * 60 > whole["lead_time_minutes"]["median"]


def test_the_workspace_is_the_demos_and_the_bootstrap_token_sees_it(demo_server: Server) -> None:
    with demo_server.client() as c:
        workspace = c.get("/api/v1/workspace").json()
        rules = c.get("/api/v1/rules").json()["rules"]
    assert workspace["name"] == "Acme (demo)"
    assert len(rules) == 5 and all(r["name"].endswith("(demo)") for r in rules)


def test_plain_serve_starts_empty(tmp_path: Path) -> None:
    server = Server(tmp_path / "data").start()
    try:
        with server.client() as c:
            assert c.get("/api/v1/events").json()["events"] == []
            assert c.get("/api/v1/endpoints").json()["endpoints"] == []
            assert c.get("/api/v1/rules").json()["rules"] == []
            assert c.get("/api/v1/workspace").json()["name"] != "Acme (demo)"
    finally:
        server.stop()
