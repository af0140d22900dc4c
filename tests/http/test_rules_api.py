"""`/api/v1/rules` against a real server: saving rules, refusing wrong ones by field, roles,
workspaces kept apart, and dry runs over real signed deliveries."""

from __future__ import annotations

import socket
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from echodash.alerts.rule_secrets import SEALED, open_secret
from echodash.crypto import SecretBox
from echodash.store.base import Store
from tests.http.alerting import client, member_token, other_workspace, rule, with_server_store
from tests.support import GITHUB_FIXTURES, Server, github_headers

WORKFLOW_RUN = GITHUB_FIXTURES / "workflow_run"
# The fixtures' own times (octokit/webhooks): requested at 16:33:24, completed at 16:33:49.
REQUESTED = "2020-10-05T16:33:24.000Z"
COMPLETED = "2020-10-05T16:33:49.000Z"
AROUND = {"since": "2020-10-01T00:00:00Z", "until": "2020-10-08T00:00:00Z"}


def _stored_document(server: Server, rule_id: int) -> dict[str, Any]:
    async def read(store: Store) -> dict[str, Any]:
        (found,) = [r for r in await store.list_rules(1) if r.id == rule_id]
        return found.document

    return with_server_store(server, read)


def _stored_secret(server: Server, rule_id: int) -> str:
    """The webhook secret as the database holds it — sealed with the server's key, like
    endpoint secrets — opened with that key."""
    sealed = _stored_document(server, rule_id)["actions"][0]["secret"]
    assert sealed.startswith(SEALED) and "whsec_" not in sealed
    box = SecretBox.from_setting_or_file("", server.data_dir)
    opened = open_secret(sealed, box)
    assert opened is not None
    return opened


def test_a_rule_is_saved_shown_changed_and_deleted(server: Server) -> None:
    with server.client() as c:
        made = c.post("/api/v1/rules", json=rule("crud"))
        assert made.status_code == 201, made.text
        shown = made.json()
        assert shown["name"] == "crud" and shown["enabled"] is True
        assert shown["condition"] == {"kind": "every"}
        assert shown["suspect_window_seconds"] == 7200  # the default, written out
        assert shown["actions"][0]["secret"] == "whsec_…"  # never shown
        assert "whsec_c2VjcmV0" not in made.text
        assert {"id", "created_at", "updated_at"} <= set(shown)
        rule_id = shown["id"]
        assert _stored_secret(server, rule_id) == "whsec_c2VjcmV0"  # sealed at rest
        assert c.get(f"/api/v1/rules/{rule_id}").json() == shown
        assert shown in c.get("/api/v1/rules").json()["rules"]

        changed = c.patch(
            f"/api/v1/rules/{rule_id}",
            json={"enabled": False, "muted_until": "2030-01-01T00:00:00Z", "repeat_seconds": 3600},
        )
        assert changed.status_code == 200, changed.text
        after = changed.json()
        assert after["enabled"] is False
        assert after["muted_until"] == "2030-01-01T00:00:00Z"
        assert after["repeat_seconds"] == 3600
        assert after["match"] == shown["match"]  # keys not sent are kept

        # Sending back the actions as answers show them keeps the saved secret.
        kept = c.patch(f"/api/v1/rules/{rule_id}", json={"actions": after["actions"]})
        assert kept.status_code == 200, kept.text
        assert _stored_secret(server, rule_id) == "whsec_c2VjcmV0"

        # null removes an optional key.
        unmuted = c.patch(f"/api/v1/rules/{rule_id}", json={"muted_until": None}).json()
        assert "muted_until" not in unmuted and unmuted["repeat_seconds"] == 3600

        assert c.delete(f"/api/v1/rules/{rule_id}").status_code == 204
        assert c.get(f"/api/v1/rules/{rule_id}").status_code == 404
        assert c.delete(f"/api/v1/rules/{rule_id}").status_code == 404


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"name": ""}, "name"),
        ({"colour": "red"}, "colour"),
        ({"condition": None}, "condition"),
        ({"condition": {"kind": "count", "threshold": 0, "window_seconds": 60}},
         "condition.threshold"),
        ({"condition": {"kind": "sometimes"}}, "condition.kind"),
        ({"condition": {"kind": "absence", "window_seconds": 5}}, "condition.window_seconds"),
        ({"match": {"where": [{"field": "a.b", "op": "like", "value": 1}]}}, "match.where.0.op"),
        ({"match": {"severity": "loud"}}, "match.severity"),
        ({"actions": [{"kind": "webhook", "url": "ftp://x.example"}]}, "actions.0.url"),
        ({"actions": [{"kind": "email", "to": ["not an address"]}]}, "actions.0.to.0"),
        # Apprise knows file:// and others; EchoDash sends to the services it guards only.
        ({"actions": [{"kind": "browser"}, {"kind": "apprise", "url": "file:///etc/passwd"}]},
         "actions.1.url"),
        # The mask answers show is not a secret one can save.
        ({"actions": [{"kind": "webhook", "url": "https://a.example", "secret": "whsec_…"}]},
         "actions.0.secret"),
        ({"enabled": "yes"}, "enabled"),
        # At the calendar's edge, an offset would carry the time out of it in UTC.
        ({"muted_until": "9999-12-31T23:59:59-23:59"}, "muted_until"),
    ],
)  # fmt: skip
def test_a_wrong_rule_is_refused_naming_the_field(
    server: Server, changes: dict[str, Any], field: str
) -> None:
    body = {k: v for k, v in {**rule("wrong"), **changes}.items() if v is not None}
    with server.client() as c:
        answer = c.post("/api/v1/rules", json=body)
        assert answer.status_code == 400, answer.text
        assert answer.json()["error"] == "invalid_rule"
        assert answer.json()["detail"].startswith(f"{field}: "), answer.json()
        assert "wrong" not in [r["name"] for r in c.get("/api/v1/rules").json()["rules"]]


def test_bodies_that_are_no_rule_at_all_are_clear_400s_and_large_ones_413(
    server: Server,
) -> None:
    with server.client() as c:
        assert c.post("/api/v1/rules", content=b"{nope").json()["error"] == "invalid_json"
        assert c.post("/api/v1/rules", json=[1]).json()["error"] == "invalid_json"
        huge = rule("huge", match={"type": "x" * 70_000})
        assert c.post("/api/v1/rules", json=huge).status_code == 413
        made = c.post("/api/v1/rules", json=rule("patched")).json()
        wrong = c.patch(f"/api/v1/rules/{made['id']}", json={"condition": {"kind": "count"}})
        assert wrong.status_code == 400
        assert wrong.json()["detail"].startswith("condition.threshold: ")
        assert c.get(f"/api/v1/rules/{made['id']}").json()["condition"] == {"kind": "every"}
        for bad in ("0", "abc", "99999999999999999999999"):
            assert c.get(f"/api/v1/rules/{bad}").status_code == 404


def test_names_are_unique_within_a_workspace(server: Server) -> None:
    with server.client() as c:
        first = c.post("/api/v1/rules", json=rule("unique")).json()
        again = c.post("/api/v1/rules", json=rule("unique"))
        assert again.status_code == 409 and again.json()["error"] == "name_taken"
        second = c.post("/api/v1/rules", json=rule("unique-2")).json()
        renamed = c.patch(f"/api/v1/rules/{second['id']}", json={"name": "unique"})
        assert renamed.status_code == 409
        assert c.patch(f"/api/v1/rules/{first['id']}", json={"name": "unique"}).status_code == 200
    _, token = other_workspace(server, "Names elsewhere")
    with client(server, token) as other:
        assert other.post("/api/v1/rules", json=rule("unique")).status_code == 201


def test_members_read_and_try_rules_but_only_admins_change_them(server: Server) -> None:
    """As with endpoints: a rule sends workspace data to the URLs it names."""
    with server.client() as c:
        saved = c.post("/api/v1/rules", json=rule("admins-only")).json()
    member = member_token(server)
    with client(server, member) as m:
        assert m.get("/api/v1/rules").status_code == 200
        assert m.get(f"/api/v1/rules/{saved['id']}").json()["name"] == "admins-only"
        assert m.post(f"/api/v1/rules/{saved['id']}/test").status_code == 200
        assert m.post("/api/v1/rules/test", json=rule("try")).status_code == 200
        attempts = [
            m.post("/api/v1/rules", json=rule("by-member")),
            m.patch(f"/api/v1/rules/{saved['id']}", json={"enabled": False}),
            m.delete(f"/api/v1/rules/{saved['id']}"),
        ]
    for answer in attempts:
        assert answer.status_code == 403 and answer.json()["error"] == "forbidden"
    with server.client() as c:
        after = c.get(f"/api/v1/rules/{saved['id']}").json()
        assert after["enabled"] is True
        assert "by-member" not in [r["name"] for r in c.get("/api/v1/rules").json()["rules"]]


def test_another_workspaces_rules_are_not_found(server: Server) -> None:
    with server.client() as c:
        mine = c.post("/api/v1/rules", json=rule("mine")).json()
    _, token = other_workspace(server, "Prying team")
    with client(server, token) as other:
        assert other.get("/api/v1/rules").json() == {"rules": []}
        url = f"/api/v1/rules/{mine['id']}"
        assert other.get(url).status_code == 404
        assert other.patch(url, json={"enabled": False}).status_code == 404
        assert other.post(url + "/test").status_code == 404
        assert other.delete(url).status_code == 404
    with server.client() as c:
        assert c.get(f"/api/v1/rules/{mine['id']}").json() == mine


def _send_workflow_runs(server: Server) -> dict[str, Any]:
    """Real GitHub workflow_run deliveries, byte-exact and signed: requested, requested
    needing approval, and the completed run twice (two deliveries of it)."""
    endpoint = server.create_endpoint("github", name=f"octo-{uuid.uuid4().hex[:6]}")
    names = ["requested", "requested.with-conclusion", *["completed.with-pull-requests"] * 2]
    with httpx.Client(timeout=10) as c:
        for name in names:
            body = (WORKFLOW_RUN / f"{name}.payload.json").read_bytes()
            headers = github_headers(endpoint["secret"], body, "workflow_run")
            assert c.post(endpoint["url"], content=body, headers=headers).status_code == 202
    server.wait_for_events(len(names), endpoint=endpoint["id"])
    return endpoint


def test_a_dry_run_over_real_deliveries_says_when_a_rule_would_have_fired(
    server: Server,
) -> None:
    endpoint = _send_workflow_runs(server)
    every_run = {
        "name": "runs",
        "match": {"endpoint": endpoint["id"], "type": "workflow_run.*"},
        "condition": {"kind": "every"},
        "resolve_after_seconds": 0,
    }
    with server.client() as c:
        before = c.get("/api/v1/rules").json()
        tried = c.post("/api/v1/rules/test", params=AROUND, json=every_run)
        assert tried.status_code == 200, tried.text
        run = tried.json()
        assert run["would_fire"] == 2
        assert run["moments"] == [REQUESTED, COMPLETED]
        assert run["matched"] == 4 and run["truncated"] is False
        # Tried, not saved; and nobody was told.
        assert c.get("/api/v1/rules").json() == before
        assert c.get("/api/v1/alerts").json()["alerts"] == []

        # A `where` condition on the delivery's body: the run that needs approval.
        approval = {
            **every_run,
            "match": {
                "endpoint": endpoint["id"],
                "type": "workflow_run.requested",
                "where": [
                    {"field": "workflow_run.conclusion", "op": "eq", "value": "action_required"}
                ],
            },
        }
        run = c.post("/api/v1/rules/test", params=AROUND, json=approval).json()
        assert (run["would_fire"], run["moments"], run["matched"]) == (1, [REQUESTED], 1)

        # A saved rule, tried by id: failed runs (there are none) and a burst of completions.
        failed = rule("failed runs")
        failed["match"]["endpoint"] = endpoint["id"]
        saved = c.post("/api/v1/rules", json=failed).json()
        run = c.post(f"/api/v1/rules/{saved['id']}/test", params=AROUND).json()
        assert (run["would_fire"], run["moments"], run["matched"]) == (0, [], 0)
        burst = {
            "name": "burst",
            "match": {"endpoint": endpoint["id"], "type": "workflow_run.completed"},
            "condition": {"kind": "count", "threshold": 2, "window_seconds": 60},
        }
        run = c.post("/api/v1/rules/test", params=AROUND, json=burst).json()
        assert (run["would_fire"], run["moments"]) == (1, [COMPLETED])
        burst["condition"]["threshold"] = 3  # type: ignore[index]
        assert c.post("/api/v1/rules/test", params=AROUND, json=burst).json()["would_fire"] == 0

        # By default the last 7 days: these runs are from 2020.
        recent = c.post("/api/v1/rules/test", json=every_run).json()
        assert recent["would_fire"] == 0 and recent["moments"] == []
        since = datetime.fromisoformat(recent["since"].replace("Z", "+00:00"))
        until = datetime.fromisoformat(recent["until"].replace("Z", "+00:00"))
        assert until - since == timedelta(days=7)
        assert abs((until - datetime.now(UTC)).total_seconds()) < 60


def test_a_dry_run_of_custom_events_counts_bursts_and_silences(server: Server) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    start = now - timedelta(days=2)
    moments = [start + timedelta(seconds=s) for s in (0, 20, 40, 3600, 7200 + 10)]
    source = f"billing-{uuid.uuid4().hex[:6]}"
    with server.client() as c:
        batch = [
            {"event": "Payment failed", "source": source, "timestamp": m.isoformat(),
             "properties": {"amount": 500 * (i + 1)}}
            for i, m in enumerate(moments)
        ]  # fmt: skip
        assert c.post("/api/v1/events", json={"batch": batch}).status_code == 202
        server.wait_for_events(len(moments), type="Payment failed")
        burst = {
            "match": {"type": "Payment failed"},
            "condition": {"kind": "count", "threshold": 3, "window_seconds": 300},
        }
        run = c.post("/api/v1/rules/test", json=burst).json()
        assert run["matched"] == len(moments)
        assert run["would_fire"] == 1
        assert run["moments"] == [_iso(moments[2])]

        # `where` on a custom event's properties.
        large = {
            "match": {
                "type": "Payment failed",
                "where": [{"field": "amount", "op": "gte", "value": 2000}],
            },
            "condition": {"kind": "every"},
            "resolve_after_seconds": 0,
        }
        run = c.post("/api/v1/rules/test", json=large).json()
        assert run["moments"] == [_iso(moments[3]), _iso(moments[4])]

        # A heartbeat rule: silent for an hour, twice between the events and once after.
        silence = {
            "match": {"type": "Payment failed"},
            "condition": {"kind": "absence", "window_seconds": 3000},
        }
        window = {"since": _iso(start), "until": _iso(start + timedelta(hours=3))}
        run = c.post("/api/v1/rules/test", params=window, json=silence).json()
        assert run["moments"] == [
            _iso(moments[2] + timedelta(seconds=3000)),
            _iso(moments[3] + timedelta(seconds=3000)),
            _iso(moments[4] + timedelta(seconds=3000)),
        ]


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"since": "2026-01-02T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "before"),
        ({"since": "2025-01-01T00:00:00Z", "until": "2026-01-01T00:00:00Z"}, "90 days"),
        ({"since": "last tuesday"}, "since"),
        ({"window": "7d"}, "window"),
    ],
)
def test_a_dry_run_span_is_checked(server: Server, params: dict[str, str], detail: str) -> None:
    with server.client() as c:
        answer = c.post("/api/v1/rules/test", params=params, json=rule("span"))
        assert answer.status_code == 400, answer.text
        assert detail in answer.json()["detail"]


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_maintenance_windows_are_kept_with_the_rule_and_checked(server: Server) -> None:
    """The evaluator reads `maintenance` from the stored rule (alerts/windows.py)."""
    window = {"days": ["sat", "sun"], "start": "22:00", "end": "02:00", "timezone": "Europe/Berlin"}
    with server.client() as c:
        made = c.post("/api/v1/rules", json=rule("quiet weekends", maintenance=[window]))
        assert made.status_code == 201, made.text
        assert made.json()["maintenance"] == [window]
        rule_id = made.json()["id"]
        assert _stored_document(server, rule_id)["maintenance"] == [window]
        # A dry run is about evaluation, which windows do not pause.
        assert c.post(f"/api/v1/rules/{rule_id}/test").status_code == 200
        for wrong, field in (
            ({"start": "25:00", "end": "02:00"}, "maintenance.0"),
            ({"start": "22:00", "end": "02:00", "days": ""}, "maintenance.0.days"),
            ({"start": "22:00", "end": "02:00", "timezone": "Mars/Base"}, "maintenance.0"),
            ({"start": "22:00", "end": "02:00", "timezone": None}, "maintenance.0.timezone"),
        ):
            answer = c.patch(f"/api/v1/rules/{rule_id}", json={"maintenance": [wrong]})
            assert answer.status_code == 400, wrong
            assert answer.json()["detail"].startswith(f"{field}"), answer.json()
        cleared = c.patch(f"/api/v1/rules/{rule_id}", json={"maintenance": None}).json()
        assert "maintenance" not in cleared


json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=10,
)
rule_like = st.fixed_dictionaries(
    {},
    optional={
        "name": json_values,
        "match": st.fixed_dictionaries(
            {}, optional={k: json_values for k in ("source", "type", "severity", "where")}
        ),
        "condition": st.fixed_dictionaries(
            {"kind": st.sampled_from(["every", "count", "absence", "anomaly", "x"])},
            optional={k: json_values for k in ("threshold", "window_seconds", "factor")},
        ),
        "actions": json_values,
        "muted_until": json_values,
        "maintenance": json_values,
        "enabled": json_values,
    },
)


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=rule_like)
def test_any_rule_shaped_body_gets_an_answer_never_a_server_error(
    server: Server, body: dict[str, Any]
) -> None:
    with server.client() as c:
        for path in ("/api/v1/rules/test", "/api/v1/rules"):
            answer = c.post(path, json=body)
            assert answer.status_code < 500, (path, body, answer.text)
            if answer.status_code == 201:
                assert c.delete(f"/api/v1/rules/{answer.json()['id']}").status_code == 204


def test_a_destination_is_tested_by_an_admin_and_its_attempts_are_listed(server: Server) -> None:
    """ "Send test" goes through the same guard as real notifications: this server has no
    allow-list, so a loopback destination is refused before any connection is made."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.2)
    port = listener.getsockname()[1]
    blocked = rule(
        "loopback destination",
        actions=[{"kind": "webhook", "url": f"http://127.0.0.1:{port}/hook"}],
    )
    try:
        with server.client() as c:
            saved = c.post("/api/v1/rules", json=blocked).json()
            url = f"/api/v1/rules/{saved['id']}"
            assert c.get(url + "/attempts").json() == {"attempts": []}
            tried = c.post(url + "/actions/0/test")
            assert tried.status_code == 200, tried.text
            answer = tried.json()
            assert answer["ok"] is False and answer["status_code"] is None
            assert "127.0.0.1" in answer["detail"]
            assert c.post(url + "/actions/1/test").status_code == 404  # no second action
            assert c.post(url + "/actions/x/test").status_code == 404
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody connected
        with client(server, member_token(server)) as m:
            assert m.get(url + "/attempts").status_code == 200
            assert m.post(url + "/actions/0/test").status_code == 403
        _, token = other_workspace(server, "Destination snoopers")
        with client(server, token) as other:
            assert other.get(url + "/attempts").status_code == 404
            assert other.post(url + "/actions/0/test").status_code == 404
    finally:
        listener.close()
