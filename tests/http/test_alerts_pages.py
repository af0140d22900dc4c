"""The Alerts pages through the real app: the list and one alert (opened through the store's
own `evaluate()`), acknowledging and resolving, the rules list and editor with its errors and
dry run, who may do what, workspaces kept apart, CSRF."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from echodash.alerts.rule_secrets import SEALED, open_secret
from echodash.app import create_app
from echodash.config import Settings
from echodash.crypto import hash_token
from echodash.events import utcnow
from echodash.setup_link import setup_token
from echodash.store.base.alerts import (
    AlertChange,
    Attempt,
    EvaluationBatch,
    EvaluationWork,
    NewNotification,
    OpenAlert,
)
from tests.http.test_settings_pages import (
    BASE,
    PASSWORD,
    Hub,
    csrf_of,
    invite,
    join,
    post,
    text_of,
)

COUNT_RULE = {
    "name": "Checkout errors",
    "match_type": "checkout.*",
    "cond_kind": "count",
    "count_threshold": "3",
    "count_window": "10",
    "browser": "on",
    "enabled": "on",
}


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    app = create_app(Settings.from_env({}, data_dir=tmp_path))
    with TestClient(app, base_url=BASE, headers={"Accept": "text/html"}) as ada:
        tok = setup_token(app.state.services.box)
        r = ada.get(f"/setup?token={tok}")
        fields = {"name": "Ada", "email": "ada@example.com", "password": PASSWORD}
        r = ada.post(
            f"/setup?token={tok}", data={"csrf": csrf_of(r.text), **fields}, follow_redirects=False
        )
        assert r.status_code == 303
        yield Hub(app, ada)


def workspace_of(hub: Hub, email: str = "ada@example.com") -> int:
    user = hub.call(hub.svc.store.find_user_by_email, email)
    return int(hub.call(hub.svc.store.memberships, user.id)[0].workspace_id)


def send_events(hub: Hub, workspace: int, batch: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Custom events through the API (as a script would), then the events as stored."""
    token = "edk_pages-" + uuid.uuid4().hex
    hub.call(hub.svc.store.create_api_token, workspace, "pages", hash_token(token), "admin")
    api = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
    answer = hub.ada.post("/api/v1/events", json={"batch": batch}, headers=api)
    assert answer.status_code == 202, answer.text
    for _ in range(200):
        found = hub.ada.get("/api/v1/events", headers=api).json()["events"]
        if len(found) >= len(batch):
            return list(found)
        hub.ada.portal.call(_pause)  # type: ignore[union-attr]
    raise AssertionError("events were not stored")


async def _pause() -> None:
    import asyncio

    await asyncio.sleep(0.05)


def open_alert(hub: Hub, opened: OpenAlert) -> int:
    async def decide(batch: EvaluationBatch) -> EvaluationWork:
        return EvaluationWork(opened=[opened])

    hub.call(lambda: hub.svc.store.evaluate(0, decide, now=datetime.now(UTC)))
    alerts = hub.call(hub.svc.store.list_alerts, opened.workspace_id)
    return int(alerts[0].id)


def save_rule(client: TestClient, **fields: str) -> Any:
    return post(client, "/alerts/rules/new", "/alerts/rules/new", **{**COUNT_RULE, **fields})


@pytest.fixture
def fired(hub: Hub) -> dict[str, Any]:
    """A rule, a deploy, an error, and an alert naming the deploy as its suspect."""
    ws = workspace_of(hub)
    saved = save_rule(hub.ada)
    assert saved.status_code == 200, text_of(saved.text)
    rule_id = int(re.search(r"/alerts/rules/(\d+)", str(saved.url)).group(1))  # type: ignore[union-attr]
    now = utcnow()
    before = (now - timedelta(minutes=14)).isoformat()
    deploy = {"event": "Deployed web", "category": "deployment", "service": "web",
              "environment": "production", "timestamp": before}  # fmt: skip
    error = {"event": "checkout.failed", "service": "web", "timestamp": now.isoformat()}
    events = send_events(hub, ws, [deploy, error])
    by_type = {e["type"]: e for e in events}
    reason = "deployed to production in web 14 min before"
    alert_id = open_alert(
        hub,
        OpenAlert(
            workspace_id=ws,
            rule_id=rule_id,
            group="web",
            opened_at=now,
            reason="3 or more within 10 min",
            event_ids=(by_type["checkout.failed"]["id"],),
            suspects=[{"event_id": by_type["Deployed web"]["id"], "reason": reason, "score": 0.9}],
        ),
    )
    return {"rule_id": rule_id, "alert_id": alert_id, "reason": reason, "ws": ws}


def test_pages_need_sign_in(hub: Hub) -> None:
    stranger = hub.browser()
    for path in ("/alerts", "/alerts/1", "/alerts/rules", "/alerts/rules/new", "/alerts/list"):
        answer = stranger.get(path, follow_redirects=False)
        assert answer.status_code == 303, path
        assert answer.headers["location"].startswith("/login?next=")


def test_empty_alerts_page_explains_and_links_to_a_rule(hub: Hub) -> None:
    page = hub.ada.get("/alerts")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "No alerts yet" in words and "suspects" in words
    assert 'href="/alerts/rules/new"' in page.text
    # No firing alert: the sidebar's badge is there, hidden.
    assert re.search(r'class="badge badge-firing"[^>]*hidden', page.text)


def test_a_firing_alert_is_listed_with_its_suspect_and_counted_in_the_sidebar(
    hub: Hub, fired: dict[str, Any]
) -> None:
    page = hub.ada.get("/alerts")
    words = text_of(page.text)
    assert "Checkout errors" in words
    assert "3 or more within 10 min" in words
    assert "Deployed web" in words and fired["reason"] in words
    assert 'class="alert-card is-firing"' in page.text
    badge = re.search(r'class="badge badge-firing"[^>]*>(.*?)</span></span>', page.text)
    assert badge and "hidden" not in badge.group(0) and badge.group(1).endswith(">1")
    # Every page shows the count.
    assert ">1</span>" in hub.ada.get("/sources").text
    assert hub.ada.get("/alerts/badge").json()["firing"] == 1


def test_the_alert_page_has_timeline_events_and_scored_suspects(
    hub: Hub, fired: dict[str, Any]
) -> None:
    page = hub.ada.get(f"/alerts/{fired['alert_id']}")
    assert page.status_code == 200
    words = text_of(page.text)
    assert "Opened: 3 or more within 10 min" in words
    assert "score 0.90" in words
    assert 'class="row sev-' in page.text  # the alert's events as feed rows
    assert "checkout.failed" in words


def test_a_member_acknowledges_and_the_timeline_names_them(hub: Hub, fired: dict[str, Any]) -> None:
    bob = join(hub, invite(hub), "Bob", "bob@example.com")
    path = f"/alerts/{fired['alert_id']}"
    answer = post(bob, f"{path}/ack", path, next=path)
    assert answer.status_code == 200 and str(answer.url).endswith(path)
    words = text_of(answer.text)
    assert "Acknowledged by Bob" in words
    assert "Acknowledge" not in re.sub(r"Acknowledged", "", words)  # no button any more
    assert hub.ada.get("/alerts/badge").json() == {
        "firing": 0, "acknowledged": 1, "latest": 0, "new": []
    }  # fmt: skip
    resolved = post(bob, f"{path}/resolve", "/alerts")
    assert str(resolved.url).endswith("/alerts?done=resolved")
    assert "Recently resolved" in text_of(resolved.text)


def test_a_member_reads_and_tests_rules_but_cannot_change_them(
    hub: Hub, fired: dict[str, Any]
) -> None:
    bob = join(hub, invite(hub), "Bob", "bob@example.com")
    rules = bob.get("/alerts/rules")
    assert "3 or more within 10 min" in text_of(rules.text)
    assert "/alerts/rules/new" not in rules.text
    assert bob.get("/alerts/rules/new").status_code == 403
    path = f"/alerts/rules/{fired['rule_id']}"
    page = bob.get(path)
    assert page.status_code == 200 and "Only an admin can change rules" in text_of(page.text)
    assert "Save rule" not in page.text and "Delete rule" not in page.text
    changed = post(bob, path, path, **{**COUNT_RULE, "name": "Renamed"})
    assert changed.status_code == 403
    assert post(bob, f"{path}/delete", path).status_code == 403
    assert post(bob, "/alerts/rules/new", "/alerts/rules", **COUNT_RULE).status_code == 403
    tried = post(bob, "/alerts/rules/test", path, **COUNT_RULE, rule_id=str(fired["rule_id"]))
    assert tried.status_code == 200
    assert "Would have fired 0 times in the last 7 days" in text_of(tried.text)
    assert [r.name for r in hub.call(hub.svc.store.list_rules, fired["ws"])] == ["Checkout errors"]


@pytest.mark.parametrize(
    ("fields", "field", "words"),
    [
        ({"count_threshold": "0"}, "count_threshold", "condition.threshold"),
        ({"count_window": "soon"}, "count_window", "count_window: a number of minutes"),
        ({"webhook_url": "ftp://example.com"}, "webhook_url", "actions.0.url"),
        (
            {"webhook_url": "https://h.example.com", "webhook_secret": "nope"},
            "webhook_secret",
            "actions.0.secret",
        ),
        (
            {"where_field_0": "conclusion", "where_op_0": "matches", "where_value_0": "(unclosed"},
            "where_value_0",
            "match.where.0.value",
        ),
        ({"match_severity": "loud"}, "match_severity", "match.severity"),
        ({"apprise_url": "nosuchscheme://x"}, "apprise_url", "actions.0.url"),
        ({"name": ""}, "name", "name: required"),
    ],
)
def test_form_errors_name_the_field(
    hub: Hub, fields: dict[str, str], field: str, words: str
) -> None:
    answer = save_rule(hub.ada, **fields)
    assert answer.status_code == 400
    assert words in text_of(answer.text)
    assert f'id="err-{field}"' in answer.text
    assert re.search(rf'name="{field}"[^>]*aria-invalid="true"', answer.text), field
    assert hub.call(hub.svc.store.list_rules, workspace_of(hub)) == []


def test_saving_redirects_and_the_secret_is_never_shown(hub: Hub) -> None:
    secret = "whsec_c2VjcmV0LXZhbHVl"
    saved = save_rule(hub.ada, webhook_url="https://hooks.example.com/a", webhook_secret=secret)
    assert saved.history and saved.history[0].status_code == 303
    assert "Rule saved" in text_of(saved.text)
    assert secret not in saved.text
    assert "saved — leave empty to keep it" in saved.text
    path = str(saved.url).removeprefix(BASE).split("?")[0]
    # Saved again with the secret left empty: it stays.
    again = post(hub.ada, path, path, **{**COUNT_RULE, "webhook_url": "https://hooks.example.com/a",
                                          "count_threshold": "4"})  # fmt: skip
    assert again.status_code == 200
    [rule] = hub.call(hub.svc.store.list_rules, workspace_of(hub))
    stored = rule.document["actions"][0]["secret"]
    assert stored.startswith(SEALED) and secret not in stored  # sealed at rest
    assert open_secret(stored, hub.svc.box) == secret
    assert rule.document["condition"]["threshold"] == 4
    assert "4 or more within 10 min" in text_of(hub.ada.get("/alerts/rules").text)


def test_saving_keeps_what_the_form_has_no_field_for(hub: Hub) -> None:
    ws = workspace_of(hub)
    document = {
        "name": "From the API",
        "match": {"endpoint": 7, "type": "push"},
        "condition": {"kind": "every"},
        "actions": [{"kind": "browser"}, {"kind": "webhook", "url": "https://a.example.com"},
                    {"kind": "webhook", "url": "https://b.example.com"}],
        "muted_until": "2030-01-01T00:00:00Z",
    }  # fmt: skip
    record = hub.call(hub.svc.store.create_rule, ws, "From the API", document)
    path = f"/alerts/rules/{record.id}"
    page = hub.ada.get(path)
    assert "1 more action set through the API is kept" in text_of(page.text)
    fields = {"name": "From the API", "match_type": "push", "cond_kind": "every",
              "browser": "on", "webhook_url": "https://a.example.com", "enabled": "on"}  # fmt: skip
    assert post(hub.ada, path, path, **fields).status_code == 200
    stored = hub.call(hub.svc.store.get_rule, ws, record.id).document
    assert stored["match"]["endpoint"] == 7
    assert stored["muted_until"] == "2030-01-01T00:00:00Z"
    assert [a.get("url") for a in stored["actions"]] == [
        "https://a.example.com", None, "https://b.example.com"
    ]  # fmt: skip


def test_test_this_rule_lists_when_it_would_have_fired(hub: Hub) -> None:
    ws = workspace_of(hub)
    now = utcnow()
    send_events(
        hub,
        ws,
        [{"event": "checkout.failed", "timestamp": (now - timedelta(minutes=m)).isoformat()}
         for m in (30, 29, 28, 5)],
    )  # fmt: skip
    answer = post(hub.ada, "/alerts/rules/test", "/alerts/rules/new", **COUNT_RULE)
    assert answer.status_code == 200
    words = text_of(answer.text)
    assert "Would have fired 1 time in the last 7 days" in words
    assert "4 matching events" in words
    assert hub.call(hub.svc.store.list_rules, ws) == []  # nothing saved


def test_deleting_a_rule_keeps_its_alerts(hub: Hub, fired: dict[str, Any]) -> None:
    path = f"/alerts/rules/{fired['rule_id']}"
    answer = post(hub.ada, f"{path}/delete", path)
    assert str(answer.url).endswith("/alerts/rules?done=deleted")
    assert "No rules yet" in text_of(answer.text)
    assert hub.ada.get(f"/alerts/{fired['alert_id']}").status_code == 200


def test_another_workspace_sees_neither_the_alert_nor_the_rule(
    hub: Hub, fired: dict[str, Any]
) -> None:
    r = post(hub.ada, "/workspaces", "/alerts", name="Other team")
    assert r.status_code == 200
    # Now looking at the new workspace: the first one's ids are not found there.
    for path in (f"/alerts/{fired['alert_id']}", f"/alerts/rules/{fired['rule_id']}"):
        assert hub.ada.get(path).status_code == 404, path
    path = f"/alerts/{fired['alert_id']}"
    assert post(hub.ada, f"{path}/ack", "/alerts").status_code == 404
    assert post(hub.ada, f"/alerts/rules/{fired['rule_id']}/delete", "/alerts").status_code == 404
    assert "Checkout errors" not in hub.ada.get("/alerts").text
    assert hub.ada.get("/alerts/badge").json()["firing"] == 0
    assert hub.ada.get("/alerts/abc").status_code == 404


def test_forms_need_the_csrf_token(hub: Hub, fired: dict[str, Any]) -> None:
    alert = f"/alerts/{fired['alert_id']}"
    rule = f"/alerts/rules/{fired['rule_id']}"
    for path, data in (
        (f"{alert}/ack", {}),
        (f"{alert}/resolve", {}),
        ("/alerts/rules/new", COUNT_RULE),
        (rule, COUNT_RULE),
        (f"{rule}/delete", {}),
        ("/alerts/rules/test", COUNT_RULE),
    ):
        assert hub.ada.post(path, data={**data, "csrf": "wrong"}).status_code == 403, path
    assert hub.call(hub.svc.store.get_alert, fired["ws"], fired["alert_id"]).status == "firing"


def test_the_badge_reports_new_firing_alerts_for_browser_notifications(
    hub: Hub, fired: dict[str, Any]
) -> None:
    seen = hub.ada.get("/alerts/badge").json()
    assert seen["latest"] == fired["alert_id"] and seen["new"] == []
    for odd in ("²", "-1", "9" * 40, "x"):
        assert hub.ada.get("/alerts/badge", params={"after": odd}).json()["new"] == []
    [new] = hub.ada.get(f"/alerts/badge?after={fired['alert_id'] - 1}").json()["new"]
    assert new == {"id": fired["alert_id"], "rule": "Checkout errors",
                   "reason": "3 or more within 10 min", "group": "web",
                   "url": f"/alerts/{fired['alert_id']}", "browser": True}  # fmt: skip


def test_admins_link_services_and_members_read_them(hub: Hub) -> None:
    saved = post(
        hub.ada,
        "/settings/services",
        "/settings/services",
        name_0="web",
        members_0="github:acme/web, cloudflare:example.com, github:acme/web",
        name_2="",
        members_2="",
    )
    assert saved.history and saved.history[0].status_code == 303
    assert "Services saved" in text_of(saved.text)
    assert hub.call(hub.svc.store.get_services, workspace_of(hub)) == [
        {"name": "web", "members": ["github:acme/web", "cloudflare:example.com"]}
    ]
    wrong = post(hub.ada, "/settings/services", "/settings/services", name_0="web", members_0="x")
    assert wrong.status_code == 400
    assert "services.0.members.0: a service as events name it: kind:name" in text_of(wrong.text)
    assert 'value="x"' in wrong.text  # what was typed stays
    bob = join(hub, invite(hub), "Bob", "bob@example.com")
    page = bob.get("/settings/services")
    assert "github:acme/web, cloudflare:example.com" in text_of(page.text)
    assert 'action="/settings/services"' not in page.text
    refused = bob.post("/settings/services", data={"csrf": csrf_of(page.text), "name_0": "x"})
    assert refused.status_code == 403


def test_a_destination_is_tested_from_its_rule_page_and_its_attempts_listed(
    hub: Hub, fired: dict[str, Any]
) -> None:
    """This app has no outbound allow-list, so a loopback webhook is refused by the guard: the
    page says so, once; the rule's notification attempts are listed with their answers."""
    path = f"/alerts/rules/{fired['rule_id']}"
    saved = post(hub.ada, path, path, **{**COUNT_RULE, "webhook_url": "http://127.0.0.1:9/hook"})
    assert saved.status_code == 200
    page = hub.ada.get(path).text
    assert 'id="destinations"' in page and "Webhook to 127.0.0.1" in text_of(page)
    assert "Browser notifications" in text_of(page)
    # The browser action has no test; the webhook (the second action here) has.
    forms = re.findall(r'action="(/alerts/rules/\d+/actions/(\d+)/test)"', page)
    assert len(forms) == 1
    tested = post(hub.ada, forms[0][0], path)
    assert tested.status_code == 200 and str(tested.url).endswith(path + "#destinations")
    said = text_of(tested.text)
    assert "Not delivered" in said and "127.0.0.1" in said
    assert "Not delivered" not in text_of(hub.ada.get(path).text)  # shown once

    # A notification that was sent (and one that failed) is listed with the answer.
    async def attempts() -> None:
        store = hub.svc.store
        now = datetime.now(UTC)
        decided = EvaluationWork(changed=[AlertChange(fired["alert_id"], now, notifications=[
            NewNotification(1, "webhook", {"type": "alert.firing"}, now)])])  # fmt: skip

        async def decide(batch: EvaluationBatch) -> EvaluationWork:
            return decided

        await store.evaluate(0, decide, now=now)
        [item] = await store.claim_notifications(now, 10, 60)
        await store.finish_notification(item.id, Attempt(now, False, 503, "Busy, try later", 0.2),
                                        now + timedelta(seconds=5))  # fmt: skip

    hub.call(attempts)
    table = hub.ada.get(path).text
    table = table[table.index('id="attempts"') :]
    row = text_of(table[: table.index("</tr>", table.index("<tbody>"))])
    assert "failed 503" in row and "Busy, try later" in row and f"#{fired['alert_id']}" in row

    # Members read the destinations and attempts but may not send tests.
    bob = join(hub, invite(hub), "Bob", "bob@example.com")
    member_page = bob.get(path).text
    assert "Busy, try later" in member_page and "/actions/" not in member_page
    refused = post(bob, forms[0][0], path)
    assert refused.status_code == 403
