"""A workspace's metric settings over real HTTP: read by anyone, changed by admins (API and the
Settings → Metrics page), and followed by every metric route and the CLI: the production
pattern, the time zone of days, the default currency, and the incident label, whose change
works the incidents out again from the stored issues."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest

from tests.http.metric_events import (
    custom,
    deployment,
    incident,
    metric,
    send_github,
    send_stripe,
    subscription_event,
)
from tests.people import Person, first_admin, member
from tests.support import Server

T0 = datetime(2026, 10, 5, 9, 0, tzinfo=UTC)
SINCE = "2026-10-01T00:00:00Z"
UNTIL = "2026-11-01T00:00:00Z"
DEFAULTS = {
    "production_environment": "(?i)prod",
    "incident_label": "(?i)incident",
    "timezone": "UTC",
    "currency": None,
}


@pytest.fixture(scope="module")
def ada(server: Server) -> Iterator[Person]:
    person = first_admin(server)
    yield person
    person.close()


@pytest.fixture(scope="module")
def bob(ada: Person) -> Iterator[Person]:
    person = member(ada, "bob@example.com")
    yield person
    person.close()


def settings_api(server: Server, method: str = "GET", token: str | None = None,
                 **body: Any) -> httpx.Response:  # fmt: skip
    headers = {"Authorization": f"Bearer {token}"} if token else None
    with server.client(headers=headers) as c:
        if method == "GET":
            return c.get("/api/v1/metrics/settings")
        return c.patch("/api/v1/metrics/settings", json=body)


def change(server: Server, **body: Any) -> dict[str, Any]:
    answer = settings_api(server, "PATCH", **body)
    assert answer.status_code == 200, answer.text
    found: dict[str, Any] = answer.json()
    return found


def eventually(check: Callable[[], bool], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "not within the time"
        time.sleep(0.2)


def test_anyone_reads_the_settings_and_only_admins_change_them(server: Server, bob: Person) -> None:
    assert settings_api(server).json() == DEFAULTS
    token = bob.personal_token("metrics")
    assert settings_api(server, token=token).json() == DEFAULTS
    refused = settings_api(server, "PATCH", token=token, timezone="Europe/Berlin")
    assert refused.status_code == 403 and refused.json()["error"] == "forbidden"
    # A browser session changes them with its CSRF token, an admin's only.
    assert bob.api("PATCH", "/api/v1/metrics/settings", json={"currency": "eur"}).status_code == 403
    for body, field in [
        ({"colour": "red"}, "colour"),
        ({"timezone": "Moon/Base"}, "timezone"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"production_environment": "("}, "production_environment"),
        ({"incident_label": ""}, "incident_label"),
        ({"currency": "dollars"}, "currency"),
    ]:
        answer = settings_api(server, "PATCH", **body)
        assert answer.status_code == 400, body
        assert answer.json()["error"] == "invalid_settings"
        assert answer.json()["detail"].startswith(f"{field}:"), answer.text
    with server.client() as c:
        assert c.patch("/api/v1/metrics/settings", content=b"[1]").status_code == 400
        assert c.get("/api/v1/metrics/settings", params={"x": "1"}).status_code == 400
    assert settings_api(server).json() == DEFAULTS
    # Fields left out keep their value.
    assert change(server, timezone="Europe/Berlin")["timezone"] == "Europe/Berlin"
    assert change(server, currency="EUR") == {**DEFAULTS, "timezone": "Europe/Berlin",
                                              "currency": "eur"}  # fmt: skip
    assert change(server, **DEFAULTS) == DEFAULTS


def test_every_metric_and_the_cli_follow_the_settings(server: Server) -> None:
    github = server.create_endpoint("github", name="settings-dora")
    live, prod = T0 + timedelta(days=1), T0 + timedelta(days=2)
    send_github(
        server,
        github,
        [
            ("deployment_status", deployment("acme/live", 301, "a" * 40, live, "live")),
            ("deployment_status", deployment("acme/live", 302, "b" * 40, live, "live-eu")),
            ("deployment_status", deployment("acme/live", 303, "c" * 40, prod, "production")),
        ],
    )
    stripe = server.create_endpoint("stripe", name="settings-billing")
    before = datetime(2026, 9, 10, tzinfo=UTC)
    kind = "customer.subscription.created"
    send_stripe(
        server,
        stripe,
        [
            subscription_event("evt_s1", kind, before, "cus_u", [(9000, 1, "month")]),
            subscription_event(
                "evt_s2", kind, before, "cus_e", [(500, 1, "month")], currency="eur"
            ),
        ],
    )
    # 23:30 UTC on 20 October is 01:30 on the 21st in Berlin (summer time until the 25th).
    late = datetime(2026, 10, 20, 23, 30, tzinfo=UTC)
    with server.client() as c:
        batch = [custom("Zoned", "z1", late), custom("Zoned", "z2", late - timedelta(hours=3))]
        assert c.post("/api/v1/events", json={"batch": batch}).status_code == 202
    server.wait_for_events(3, source="github")
    server.wait_for_events(2, source="stripe")
    server.wait_for_events(2, type="Zoned")

    def count() -> int:
        found = metric(server, "dora", since=SINCE, until=UNTIL, repository="acme/live")
        return int(found["deployment_frequency"]["count"])

    assert count() == 1
    assert metric(server, "revenue", since=SINCE, until=UNTIL)["currency"] == "usd"
    days = {"since": "2026-10-19T22:00:00Z", "until": "2026-10-21T22:00:00Z", "event": "Zoned"}
    utc = metric(server, "product", **days)
    assert [(p["date"], p["value"]) for p in utc["dau"]] == [
        ("2026-10-19", 0), ("2026-10-20", 2), ("2026-10-21", 0)
    ]  # fmt: skip

    change(server, production_environment="^live", currency="eur", timezone="Europe/Berlin")
    assert count() == 2
    euro = metric(server, "revenue", since=SINCE, until=UNTIL)
    assert euro["currency"] == "eur" and euro["mrr"]["end"] == 500
    # The series counts Berlin's days: 1 October 00:00 UTC is already the 1st there.
    assert euro["series"][0]["date"] == "2026-10-01" and len(euro["series"]) == 32
    assert metric(server, "revenue", since=SINCE, until=UNTIL, currency="usd")["currency"] == "usd"
    berlin = metric(server, "product", **days)
    assert [(p["date"], p["value"]) for p in berlin["dau"]] == [
        ("2026-10-20", 1), ("2026-10-21", 1)
    ]  # fmt: skip

    # The command line reads the same settings.
    done = server.cli("metrics", "revenue", "--json", "--since", SINCE, "--until", UNTIL)
    assert done.returncode == 0, done.stderr
    assert '"currency": "eur"' in done.stdout
    done = server.cli("metrics", "dora", "--json", "--repository", "acme/live",
                      "--since", SINCE, "--until", UNTIL)  # fmt: skip
    assert done.returncode == 0 and '"count": 2' in done.stdout
    change(server, **DEFAULTS)
    assert count() == 1


def test_a_new_incident_label_works_the_incidents_out_again(server: Server) -> None:
    github = server.create_endpoint("github", name="settings-incidents")
    repo, minute = "acme/labels", timedelta(minutes=1)
    deployed = T0 + timedelta(days=3)
    send_github(
        server,
        github,
        [
            ("deployment_status", deployment("acme/labels", 401, "d" * 40, deployed)),
            # An outage of 30 minutes (not an incident by the default label) ...
            ("issues", incident(repo, "opened", deployed + 60 * minute, None, 5, "Outage")),
            ("issues", incident(repo, "closed", deployed + 60 * minute,
                                deployed + 90 * minute, 5, "Outage")),
            # ... and an incident of 120 minutes.
            ("issues", incident(repo, "opened", deployed + 120 * minute, None, 6)),
            ("issues", incident(repo, "closed", deployed + 120 * minute,
                                deployed + 240 * minute, 6)),
        ],
    )  # fmt: skip
    server.wait_for_events(5, source="github", service="github:acme/labels")

    def recovery() -> Any:
        found = metric(server, "dora", since=SINCE, until=UNTIL, repository=repo, explain="1")
        return found["recovery_time_minutes"]["median"], found["explain"]["recovery_time"]

    assert recovery()[0] == 120.0
    change(server, incident_label="(?i)^outage$")
    # Worked out again in the background, from the stored issues: only the outage counts.
    eventually(lambda: recovery()[0] == 30.0)
    assert recovery()[1]["count"] == 2  # the outage's opened and closed events
    # New issues are read with the new label at once.
    send_github(
        server,
        github,
        [
            ("issues", incident(repo, "opened", deployed + 300 * minute, None, 7, "outage")),
            ("issues", incident(repo, "closed", deployed + 300 * minute,
                                deployed + 360 * minute, 7, "outage")),
        ],
    )  # fmt: skip
    eventually(lambda: recovery()[0] == 45.0, timeout=10)
    # Back to the default label: the incident counts again, the outages no longer.
    change(server, incident_label=DEFAULTS["incident_label"])
    eventually(lambda: recovery()[0] == 120.0)
    assert recovery()[1]["count"] == 2


def form(person: Person, **fields: str) -> httpx.Response:
    """The page's form sent as the browser sends it (with the session's CSRF token)."""
    values = {**{k: "" if v is None else v for k, v in DEFAULTS.items()}, **fields}
    return person.post("/settings/metrics", **values)


def test_the_settings_page_lets_admins_change_them_and_shows_members(
    server: Server, ada: Person, bob: Person
) -> None:
    page = ada.client.get("/settings/metrics")
    assert page.status_code == 200
    assert 'action="/settings/metrics"' in page.text
    assert 'href="/settings/metrics"' in page.text and 'aria-current="page"' in page.text
    assert 'name="timezone" value="UTC"' in page.text

    refused = form(ada, timezone="Moon/Base")
    assert refused.status_code == 400
    assert "Time zone: &#39;Moon/Base&#39; is not a time zone name" in refused.text
    assert 'value="Moon/Base"' in refused.text  # kept for correcting
    assert settings_api(server).json() == DEFAULTS

    saved = form(ada, timezone="America/New_York", currency="usd", production_environment="^prod$")
    assert saved.status_code == 303
    assert saved.headers["location"] == "/settings/metrics?done=metrics"
    shown = ada.client.get(saved.headers["location"]).text
    assert "Metric settings saved." in shown
    assert 'name="timezone" value="America/New_York"' in shown
    assert settings_api(server).json() == {
        **DEFAULTS,
        "timezone": "America/New_York",
        "currency": "usd",
        "production_environment": "^prod$",
    }
    relabelled = form(ada, incident_label="sev[12]")
    assert relabelled.headers["location"] == "/settings/metrics?done=metrics-relabel"
    assert "worked out again" in ada.client.get(relabelled.headers["location"]).text

    # A member reads them, with no form to change them; posting anyway is refused.
    seen = bob.client.get("/settings/metrics")
    assert seen.status_code == 200
    assert 'action="/settings/metrics"' not in seen.text
    assert "sev[12]" in seen.text and "Only an admin can change the metric settings." in seen.text
    assert form(bob, timezone="UTC").status_code == 403
    assert settings_api(server).json()["incident_label"] == "sev[12]"
    assert form(ada).status_code == 303
    assert settings_api(server).json() == DEFAULTS
