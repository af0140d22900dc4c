"""The whole alerts feature through its public doors: a rule and linked services saved over
the API, events sent, the evaluation service opening an alert that names the linked deploy as
its suspect, a signed webhook verified by a receiver, then acknowledged from the CLI and
resolved over the API."""

from __future__ import annotations

import subprocess
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from standardwebhooks.webhooks import Webhook

from tests.http.alerting import Hooks, member_token
from tests.support import ECHODASH, Server

SECRET = "whsec_" + "c2VjcmV0LWZvci10aGUtZW5kLXRvLWVuZC10ZXN0"


@pytest.fixture
def receiver() -> Iterator[Hooks]:
    found = Hooks()
    thread = threading.Thread(target=found.serve_forever, daemon=True)
    thread.start()
    yield found
    found.shutdown()
    found.server_close()


def _wait(what: str, check: Any, server: Server, timeout: float = 20) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(0.1)
    raise AssertionError(f"{what} did not happen:\n{server.log()[-3000:]}")


def test_an_alert_opens_names_the_linked_deploy_notifies_and_is_answered(
    tmp_path: Path, receiver: Hooks
) -> None:
    server = Server(tmp_path / "data", env={"ECHODASH_OUTBOUND_ALLOW": "127.0.0.1"}).start()
    try:
        url = receiver.url
        rule = {
            "name": "Checkout errors",
            "match": {"type": "Checkout error",
                      "where": [{"field": "amount", "op": "gte", "value": 100}]},
            "condition": {"kind": "every"},
            "group_by": "service",
            "actions": [{"kind": "webhook", "url": url, "secret": SECRET}],
        }  # fmt: skip
        services = {"services": [{"name": "web", "members": ["github:acme/web", "vercel:web"]}]}
        now = datetime.now(UTC).replace(microsecond=0)
        with server.client() as c:
            assert c.post("/api/v1/rules", json=rule).status_code == 201
            assert c.put("/api/v1/services", json=services).status_code == 200
            deploy = {"event": "Deployed", "category": "deployment", "service": "vercel:web",
                      "environment": "production",
                      "timestamp": (now - timedelta(minutes=14)).isoformat()}  # fmt: skip
            small = {"event": "Checkout error", "service": "github:acme/web",
                     "values": {"amount": 5},
                     "timestamp": (now - timedelta(minutes=1)).isoformat()}  # fmt: skip
            error = {"event": "Checkout error", "service": "github:acme/web",
                     "values": {"amount": 250}, "timestamp": now.isoformat()}  # fmt: skip
            sent = c.post("/api/v1/events", json={"batch": [deploy, small, error]})
            assert sent.status_code == 202, sent.text

            def firing() -> list[dict[str, Any]]:
                found: list[dict[str, Any]] = c.get("/api/v1/alerts?status=firing").json()["alerts"]
                return found

            (alert,) = _wait("an alert", firing, server)
            assert alert["rule_name"] == "Checkout errors"
            assert alert["group"] == "github:acme/web" and alert["event_count"] == 1
            (suspect,) = alert["suspects"]
            assert suspect["type"] == "Deployed" and suspect["service"] == "vercel:web"
            assert suspect["reason"].startswith("deployed to production in web 14 min before")
            assert "a linked service" in suspect["reason"]

            # The dry run says the same of the stored events: once, at the large error.
            run = c.post("/api/v1/rules/test", json=rule).json()
            assert run["moments"] == [now.isoformat().replace("+00:00", ".000Z")]

        (headers, body) = _wait("a notification", lambda: receiver.got[:1], server)[0]
        payload = Webhook(SECRET).verify(body, headers)
        assert payload["type"] == "alert.firing" and payload["alert"]["id"] == alert["id"]
        assert SECRET.removeprefix("whsec_").encode() not in body  # never sent to anyone

        env = server.cli_env() | {"ECHODASH_TOKEN": member_token(server)}
        acked = subprocess.run([ECHODASH, "alerts", "ack", str(alert["id"])], env=env,
                               capture_output=True, text=True, timeout=60)  # fmt: skip
        assert acked.returncode == 0 and "acknowledged" in acked.stdout, acked.stderr
        with server.client() as c:
            resolved = c.post(f"/api/v1/alerts/{alert['id']}/resolve").json()
            assert resolved["status"] == "resolved"
            timeline = c.get(f"/api/v1/alerts/{alert['id']}").json()["timeline"]
        kinds = [entry["kind"] for entry in timeline]
        assert kinds[0] == "opened" and "acknowledged" in kinds and "resolved" in kinds
        assert "Traceback" not in server.log()
    finally:
        server.stop()
