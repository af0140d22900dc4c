"""`echodash backfill stripe` against a local Stripe API, next to a real server: killed
half-way it resumes; the revenue it rebuilds (MRR, movements, churn, trial conversion, month
by month) is the revenue of the signed webhooks Stripe sent, received by another server; live
webhooks before, during and after it for the same changes leave one event each; a rule active
meanwhile fires for live changes only; a second run adds nothing. And the API's and the source
page's background import of a Stripe endpoint."""

from __future__ import annotations

import json
import re
import signal
import sqlite3
import subprocess
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from echodash.metrics.revenue import revenue
from tests.backfill.stripe_scenario import DAY, KEY, months, now, snapshots, stripe_history
from tests.backfill.stripe_server import FakeStripe, StripeApiServer
from tests.http.metric_events import iso, metric, send_stripe
from tests.support import ECHODASH, TEST_BACKEND, Server, first_admin_client


@pytest.fixture
def twin(tmp_path: Path) -> Iterator[Server]:
    """Another EchoDash, fed by the webhooks alone."""
    server = Server(tmp_path / "twin").start()
    yield server
    server.stop()


def _args(endpoint: dict[str, Any], api: StripeApiServer, since: str) -> list[str]:
    return ["backfill", "stripe", "--endpoint", str(endpoint["id"]), "--since", since,
            "--api-url", api.url]  # fmt: skip


def _body(event: dict[str, Any]) -> bytes:
    return json.dumps(event).encode()


def _subscription_events(server: Server, endpoint: dict[str, Any]) -> list[dict[str, Any]]:
    return [
        e
        for e in server.all_events(endpoint=endpoint["id"])
        if e["type"].startswith("customer.subscription.")
    ]


def _alerts(server: Server) -> list[dict[str, Any]]:
    with server.client() as c:
        found: list[dict[str, Any]] = c.get("/api/v1/alerts").json()["alerts"]
    return found


def _fired(server: Server) -> set[int]:
    return {event for alert in _alerts(server) for event in alert["events"]}


def _added(output: str) -> int:
    found = re.search(r"([\d,]+) events added", output)
    assert found is not None, output
    return int(found.group(1).replace(",", ""))


def test_stripe_backfill_resumes_and_its_revenue_equals_the_webhooks(
    server: Server, twin: Server
) -> None:
    end = now()
    account = stripe_history(end)
    billing = server.create_endpoint("stripe", name="billing")
    recent_floor = end.timestamp() - 30 * 86400
    # Live webhooks before the backfill, for changes it also reads: sub_up's upgrade (two
    # months ago and more: rebuilt from invoices) and sub_late's start (in the last 30 days:
    # read from /v1/events).
    upgrade = next(
        e for e in account.events
        if e["data"]["object"]["id"] == "sub_up" and e["type"].endswith("updated")
        and e["created"] < recent_floor
        and e["data"]["object"]["items"]["data"][0]["price"]["id"] == "price_pro"
    )  # fmt: skip
    late = next(e for e in account.events if e["type"].endswith("created")
                and e["data"]["object"]["id"] == "sub_late")  # fmt: skip
    send_stripe(server, billing, [_body(upgrade), _body(late)])
    server.wait_for_events(2, endpoint=billing["id"])

    # A rule that matches subscription changes, active during the backfill.
    rule = {"name": "Plan changes", "condition": {"kind": "every"},
            "match": {"source": "stripe", "type": "customer.subscription.updated"},
            "actions": [{"kind": "browser"}]}  # fmt: skip
    with server.client() as c:
        assert c.post("/api/v1/rules", json=rule).status_code == 201

    fake = FakeStripe(account, now=int(end.timestamp()), max_limit=3)
    fake.faults = {
        "/v1/subscriptions": ["429"],
        "/v1/invoices": ["502"],
        "/v1/events": ["ok", "hold"],
    }
    env = {**server.cli_env(), "STRIPE_API_KEY": KEY}
    since = iso(end - 365 * DAY)
    with StripeApiServer(fake, KEY) as api:
        # The first run is killed half-way, while Stripe answers the events' first page (after
        # a look at whether the key may read events at all).
        first = subprocess.Popen(
            [ECHODASH, *_args(billing, api, since)],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        assert fake.held.wait(60), first.communicate(timeout=5)
        # Live webhooks during the backfill, for events it reads later: sub_down's downgrade
        # and sub_yearly's change of the last week.
        during = [e for e in account.events if e["created"] >= end.timestamp() - 7 * 86400
                  and e["type"].endswith("updated")]  # fmt: skip
        assert {e["data"]["object"]["id"] for e in during} >= {"sub_down", "sub_yearly"}
        send_stripe(server, billing, [_body(e) for e in during])
        server.wait_for_events(2 + len(during), endpoint=billing["id"])
        first.send_signal(signal.SIGKILL)
        first.wait(10)
        fake.release.set()
        asked_before = len(fake.requests)
        resumed = subprocess.run(
            [ECHODASH, *_args(billing, api, since)], env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert resumed.returncode == 0, resumed.stderr
        assert "Resuming backfill" in resumed.stderr
        # From the cursor: no subscription or invoice was read again.
        assert set(fake.requests[asked_before:]) == {"/v1/events"}
        assert KEY not in resumed.stderr + resumed.stdout
        assert set(fake.keys) == {f"Bearer {KEY}"}

        # The same revenue as the webhooks Stripe sent, every month.
        bodies = [_body(e) for e in account.events]
        billing_twin = twin.create_endpoint("stripe", name="billing")
        send_stripe(twin, billing_twin, bodies)
        twin.wait_for_events(len(bodies), endpoint=billing_twin["id"], timeout=60)
        seen = []
        for first_day, following in months(end):
            window = {"since": iso(first_day), "until": iso(following), "currency": "usd"}
            rebuilt = metric(server, "revenue", **window)
            webhooks = metric(twin, "revenue", **window)
            assert rebuilt == webhooks, first_day
            seen.append((rebuilt["mrr"]["end"], rebuilt["movements"], rebuilt["trial_conversion"]))
        # What the months hold: new customers, a trial converted and one cancelled, an
        # upgrade, a downgrade, a customer lost at the end of a cancelled period.
        assert seen[0][0] > 0 and seen[0][2] == 0.5
        assert sum(m["expansion"] for _, m, _ in seen) > 0
        assert sum(m["contraction"] for _, m, _ in seen) > 0
        assert sum(m["churn"] for _, m, _ in seen) == 9800
        assert seen[-1][0] == metric(twin, "revenue", currency="usd")["mrr"]["end"]

        # One event per real change: the upgrade and sub_late's start came live, and the
        # backfill did not add them again.
        events = _subscription_events(server, billing)
        upgrades = [e for e in events if _at(e) == upgrade["created"]
                    and e["type"] == "customer.subscription.updated"]  # fmt: skip
        assert [e["origin"] for e in upgrades] == ["webhook"]
        starts = [e for e in events if _at(e) == late["created"]]
        assert [e["origin"] for e in starts] == ["webhook"]
        for live in during:
            same = [e for e in events if _at(e) == live["created"]]
            assert [e["origin"] for e in same] == ["webhook"], live["id"]
        before = len(events)

        # Live webhooks after it, for changes it brought (rebuilt, and read as events): none
        # adds an event. A new change is news.
        cancel = next(e for e in account.events if e["type"].endswith("updated")
                      and e["data"]["object"]["cancel_at_period_end"])  # fmt: skip
        recent = [e for e in account.events if e["created"] >= recent_floor]
        send_stripe(server, billing, [_body(cancel), *[_body(e) for e in recent]])
        time.sleep(1.0)
        assert len(_subscription_events(server, billing)) == before
        account.change("sub_new", end - DAY / 24, [("price_pro", 1)])
        send_stripe(server, billing, [_body(account.events[-1])])
        deadline = time.monotonic() + 15
        while len(_subscription_events(server, billing)) <= before and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(_subscription_events(server, billing)) == before + 1
        # The rule fired for the live changes sent while it was active (during the backfill,
        # and the news after it), never for the history.
        news = max(e["id"] for e in server.all_events(endpoint=billing["id"]))
        live = {e["id"] for e in server.all_events(endpoint=billing["id"])
                if e["origin"] == "webhook" and e["type"] == "customer.subscription.updated"
                and _at(e) != upgrade["created"]}  # fmt: skip
        assert len(live) == len(during) + 1
        deadline = time.monotonic() + 15
        while news not in _fired(server) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _fired(server) == live

        # A second run reads it all again and adds nothing.
        again = subprocess.run(
            [ECHODASH, *_args(billing, api, since)], env=env, capture_output=True, text=True,
            timeout=120,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        assert _added(again.stdout) == 0
        assert len(_subscription_events(server, billing)) == before + 1
        assert _fired(server) == live


def _at(event: dict[str, Any]) -> int:
    return int(datetime.fromisoformat(event["occurred_at"].replace("Z", "+00:00")).timestamp())


def test_stripe_usage_errors_exit_2(server: Server) -> None:
    stripe = server.create_endpoint("stripe", name="payments")
    github = server.create_endpoint("github", name="acme/app")
    no_key = server.cli("backfill", "stripe", "--endpoint", str(stripe["id"]))
    assert (no_key.returncode, "STRIPE_API_KEY" in no_key.stderr) == (2, True)
    args = ["backfill", "stripe", "--endpoint", str(github["id"]), "--api-key", KEY]
    wrong_kind = server.cli(*args)
    assert (wrong_kind.returncode, "github endpoint" in wrong_kind.stderr) == (2, True)
    assert KEY not in wrong_kind.stderr + wrong_kind.stdout


@pytest.fixture
def allowed(tmp_path: Path) -> Iterator[Server]:
    server = Server(tmp_path / "data", env={"ECHODASH_OUTBOUND_ALLOW": "127.0.0.1/32"}).start()
    yield server
    server.stop()


def test_the_api_imports_a_stripe_history_in_the_background(allowed: Server) -> None:
    server = allowed
    end = now()
    account = stripe_history(end)
    endpoint = server.create_endpoint("stripe", name="billing")
    fake = FakeStripe(account, now=int(end.timestamp()), max_limit=3)
    with StripeApiServer(fake, KEY) as api, server.client() as c:
        keyless = c.post(f"/api/v1/endpoints/{endpoint['id']}/backfill", json={})
        assert (keyless.status_code, keyless.json()["error"]) == (400, "cannot_start")
        body = {"since": "365d", "api_url": api.url, "token": KEY}
        started = c.post(f"/api/v1/endpoints/{endpoint['id']}/backfill", json=body)
        assert started.status_code == 202, started.text
        backfill_id = started.json()["id"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            done = c.get(f"/api/v1/backfills/{backfill_id}").json()
            if done["status"] != "running":
                break
            time.sleep(0.1)
    assert done["status"] == "done", done
    # Ten customers, 19 rebuilt subscription changes and 12 events of the last 30 days.
    assert (done["items"], done["events_added"], done["duplicates"]) == (41, 41, 0)
    assert KEY not in server.log()
    events = server.all_events(endpoint=endpoint["id"])
    assert {e["origin"] for e in events} == {"backfill"}
    assert len(events) == done["events_added"]
    # The feed reads as the webhooks would: what each rebuilt change did.
    titles = {e["title"] for e in events if e["subject"] in ("cus_trial", "cus_end", "cus_up")}
    assert {
        "cus_trial subscribed to $99.00 USD/month (trialing)",
        "Subscription to $99.00 USD/month for cus_trial is now active (was trialing)",
        "Subscription for cus_up changed to $99.00 USD/month",
        "Subscription to $49.00 USD/month for cus_end will cancel at the end of the period",
        "Subscription to $49.00 USD/month for cus_end canceled",
    } <= titles
    # Its MRR, movements and trial conversion over the months are those of the webhooks.
    since, until = months(end)[0][0], months(end)[-1][1]
    window = {"since": iso(since), "until": iso(until), "currency": "usd"}
    found = metric(server, "revenue", **window)
    expected = revenue(snapshots(account.events), since, until, "usd", series=False).to_json()
    assert (found["mrr"], found["movements"], found["trial_conversion"]) == (
        expected["mrr"],
        expected["movements"],
        expected["trial_conversion"],
    )
    assert found["mrr"]["end"] > 0
    if TEST_BACKEND != "postgres":
        db = sqlite3.connect(server.data_dir / "echodash.db")
        assert db.execute("SELECT token_sealed FROM backfills").fetchall() == [(None,)]
        db.close()


def test_import_a_stripe_history_from_the_source_page(allowed: Server) -> None:
    server = allowed
    end = now()
    account = stripe_history(end)
    endpoint = server.create_endpoint("stripe", name="billing")
    fake = FakeStripe(account, now=int(end.timestamp()))
    with StripeApiServer(fake, KEY) as api, first_admin_client(server) as browser:
        page = browser.get(f"/sources/{endpoint['id']}")
        assert "Import history" in page.text and "restricted key" in page.text
        assert 'name="repo"' not in page.text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "since": "365d", "api_url": api.url, "token": KEY}
        answer = browser.post(f"/sources/{endpoint['id']}/backfill", data=form)
        assert answer.status_code == 303
        followed = answer.headers["location"]
        deadline = time.monotonic() + 60
        shown = browser.get(followed).text
        while "Importing history" in shown and time.monotonic() < deadline:
            time.sleep(0.2)
            shown = browser.get(followed).text
        assert "History imported." in shown
        assert '<b class="backfill-items">41</b> items read' in shown
        assert KEY not in shown


def test_a_refused_key_stops_the_run_without_showing_it(server: Server) -> None:
    end = now()
    endpoint = server.create_endpoint("stripe", name="refused")
    wrong = "rk_test_not-this-one-0123456789abcdef"
    fake = FakeStripe(stripe_history(end), now=int(end.timestamp()))
    with StripeApiServer(fake, KEY) as api:
        args = ["backfill", "stripe", "--endpoint", str(endpoint["id"]), "--api-url", api.url,
                "--api-key", wrong]  # fmt: skip
        refused = server.cli(*args)
    assert refused.returncode == 1
    assert "the Stripe API key was refused (401)" in refused.stderr
    assert wrong not in refused.stderr + refused.stdout + server.log()
    assert server.all_events(endpoint=endpoint["id"]) == []
