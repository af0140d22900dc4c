"""Alert rules pages: the list (each rule in words, with its last alert) and the editor.

The editor builds the rule's document from its fields (web/rule_form.py) and has it checked as
the API checks it (`checked_rule`: `parse_rule`, maintenance windows kept), so a mistake is
named next to its field. Changing rules follows the API: admins only, since a rule sends the
workspace's data to the addresses it names. Anyone may try a rule ("Test this rule"): the dry
run reads the events they can already read and notifies nobody.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import Response

from echodash import rule_dry_run
from echodash.alerts.rule_secrets import seal_secrets
from echodash.alerts.rules import Rule, RuleError
from echodash.events import utcnow
from echodash.store.base.alerts import (
    AlertRecord,
    AttemptRecord,
    RuleNameTakenError,
    RuleRecord,
)
from echodash.web import rule_form
from echodash.web.api.alerting import checked_rule
from echodash.web.api.rule_destinations import test_action
from echodash.web.api.rule_runs import UNSAVED_NAME
from echodash.web.once import cleared, show_once, take_once
from echodash.web.pages import page, require_viewer
from echodash.web.params import parse_id, path_id, query
from echodash.web.responses import ApiError, services
from echodash.web.sessions import Viewer
from echodash.web.views.forms import see_other, viewer_form

CHANGE = "create, change or delete alert rules"
MOMENTS_SHOWN = 20
_MISSING = "No rule with this id in your workspace."
_NOTICES = {
    "saved": "Rule saved. It watches new events from now on.",
    "deleted": "Rule deleted. Its alerts stay, resolved.",
}


# The API's answers start with the path of the field that is wrong: "match.where.0.op: …".
_PATH = re.compile(r"^([a-z_]+(?:\.[a-z0-9_]+)*): (.*)$", re.S)


def _problem(exc: ApiError) -> RuleError:
    """The API's 400 (from `checked_rule`: parse_rule, the Apprise schemes it sends to,
    maintenance windows) as the RuleError it names, so the editor can mark the field."""
    found = _PATH.match(exc.detail)
    return RuleError(found.group(1), found.group(2)) if found else RuleError("", exc.detail)


def _parsed(record: RuleRecord) -> Rule | None:
    try:
        return checked_rule(record.document)[0]
    except ApiError:
        return None  # saved by an older version: listed, not described


async def rules_list(request: Request) -> Response:
    viewer = await require_viewer(request)
    store = services(request).store
    records = await store.list_rules(viewer.workspace_id)
    items = []
    for record in records:
        rule = _parsed(record)
        last = await store.list_alerts(viewer.workspace_id, rule_id=record.id, limit=1)
        items.append(
            {
                "record": record,
                "condition": rule_form.condition_words(rule) if rule else "—",
                "match": rule_form.match_words(rule.match) if rule else "—",
                "actions": rule_form.action_words(rule) if rule else [],
                "last": last[0] if last else None,
            }
        )
    notice = _NOTICES.get(query(request, "done") or "", "")
    return await page(request, viewer, "rules.html", "alerts", rule_items=items, notice=notice)


async def _owned(request: Request, viewer: Viewer, name: str = "rule_id") -> RuleRecord:
    rule_id = path_id(request, name, _MISSING)
    record = await services(request).store.get_rule(viewer.workspace_id, rule_id)
    if record is None:
        raise ApiError(404, "not_found", _MISSING)
    return record


async def _sources(request: Request, viewer: Viewer) -> list[str]:
    """The kinds of the workspace's endpoints (a rule's source), alphabetically."""
    records = await services(request).store.list_endpoints(viewer.workspace_id)
    return sorted({r.kind for r in records})


async def _editor(
    request: Request,
    viewer: Viewer,
    form: rule_form.RuleForm,
    record: RuleRecord | None,
    status: int = 200,
    **context: Any,
) -> Response:
    sources = await _sources(request, viewer)
    chosen = form.get("match_source")
    if chosen and chosen not in sources:
        sources.append(chosen)  # a rule may watch a tool not connected (yet, or any more)
    last: AlertRecord | None = None
    destinations: list[dict[str, Any]] = []
    attempts: list[AttemptRecord] = []
    if record is not None:
        found = await services(request).store.list_alerts(
            viewer.workspace_id, rule_id=record.id, limit=1
        )
        last = found[0] if found else None
        destinations = _destinations(record)
        attempts = await services(request).store.notification_attempts(
            viewer.workspace_id, record.id, ATTEMPTS_SHOWN
        )
    defaults: dict[str, Any] = {
        "form": form,
        "record": record,
        "sources": sources,
        "severities": rule_form.SEVERITIES,
        "categories": rule_form.CATEGORIES,
        "outcomes": rule_form.OUTCOMES,
        "ops": rule_form.WHERE_OPS,
        "error": "",
        "error_field": "",
        "test": None,
        "last": last,
        "destinations": destinations,
        "attempts": attempts,
        "tested": None,
        "notice": _NOTICES.get(query(request, "done") or "", ""),
        "action": f"/alerts/rules/{record.id}" if record else "/alerts/rules/new",
    }
    return await page(
        request, viewer, "rule_edit.html", "alerts", status, **{**defaults, **context}
    )


async def new_rule(request: Request) -> Response:
    viewer = await require_viewer(request)
    viewer.require_admin(CHANGE)
    return await _editor(request, viewer, rule_form.new_form(), None)


async def edit_rule(request: Request) -> Response:
    viewer = await require_viewer(request)
    record = await _owned(request, viewer)
    form = rule_form.form_of(record.document, record.enabled)
    tested = take_once(request, viewer)
    answer = await _editor(request, viewer, form, record, tested=tested or None)
    return cleared(request, answer)


ATTEMPTS_SHOWN = 20


def _destinations(record: RuleRecord) -> list[dict[str, Any]]:
    """Each action of the rule in words, for its "Send test" button (never a secret; an
    Apprise URL only by its scheme, since it carries the service's token)."""
    rule = _parsed(record)
    if rule is None:
        return []
    found = []
    for index, action in enumerate(rule.actions):
        if action.kind == "webhook" and action.url:
            label = f"Webhook to {urlsplit(action.url).hostname or action.url}"
        elif action.kind == "apprise" and action.url:
            label = f"{action.url.split('://', 1)[0]} (Apprise)"
        elif action.kind == "email":
            label = f"E-mail to {', '.join(action.to)}"
        else:
            label = "Browser notifications"
        found.append({"index": index, "kind": action.kind, "label": label})
    return found


async def send_test(request: Request) -> Response:
    """A rule page's "Send test": one notification to one action now; the page it leads back
    to shows the destination's answer once (a reload sends nothing again)."""
    viewer = await require_viewer(request)
    viewer.require_admin(CHANGE)
    await viewer_form(request, viewer)
    record = await _owned(request, viewer)
    attempt = await test_action(request, record)
    path = f"/alerts/rules/{record.id}"
    answer = see_other(path + "#destinations")
    shown = {
        "index": request.path_params["index"],
        "ok": "yes" if attempt.ok else "",
        "status": "" if attempt.status_code is None else str(attempt.status_code),
        "detail": attempt.detail,
        "seconds": f"{attempt.seconds:.2f}",
    }
    show_once(request, answer, viewer, path, shown)
    return answer


def _check_form(
    fields: dict[str, str], stored: dict[str, Any] | None
) -> tuple[Rule, dict[str, Any]] | tuple[None, dict[str, str]]:
    """The checked rule and its document, or (None, {"field", "message"}) for the editor."""
    try:
        document, origin = rule_form.build_document(fields, stored)
    except rule_form.FormError as exc:
        return None, {"field": exc.name, "message": f"{exc.name}: {exc.message}"}
    try:
        return checked_rule(document)
    except ApiError as exc:
        problem = _problem(exc)
        where = rule_form.field_of(problem, document, origin)
        return None, {"field": where, "message": exc.detail}


async def create_rule(request: Request) -> Response:
    viewer = await require_viewer(request)
    viewer.require_admin(CHANGE)
    fields = await viewer_form(request, viewer)
    return await _save(request, viewer, fields, None)


async def save_rule(request: Request) -> Response:
    viewer = await require_viewer(request)
    viewer.require_admin(CHANGE)
    fields = await viewer_form(request, viewer)
    record = await _owned(request, viewer)
    return await _save(request, viewer, fields, record)


async def _save(
    request: Request, viewer: Viewer, fields: dict[str, str], record: RuleRecord | None
) -> Response:
    stored = record.document if record is not None else None
    rule, found = _check_form(fields, stored)
    form = rule_form.read_rule_form(fields, stored)
    if rule is None:
        return await _show_error(request, viewer, form, record, found)
    store = services(request).store
    enabled = fields.get("enabled") == "on"
    # Webhook secrets are sealed at rest, as the API stores them (alerts/rule_secrets.py).
    found = seal_secrets(found, services(request).box)
    try:
        if record is None:
            saved = await store.create_rule(viewer.workspace_id, rule.name, found, enabled)
        else:
            changed = await store.update_rule(
                viewer.workspace_id, record.id, rule.name, found, enabled
            )
            if changed is None:
                raise ApiError(404, "not_found", _MISSING)
            saved = changed
    except RuleNameTakenError:
        taken = {"field": "name", "message": f"name: another rule is named {rule.name!r}"}
        return await _show_error(request, viewer, form, record, taken)
    return see_other(f"/alerts/rules/{saved.id}?done=saved")


async def _show_error(
    request: Request,
    viewer: Viewer,
    form: rule_form.RuleForm,
    record: RuleRecord | None,
    problem: dict[str, str],
) -> Response:
    return await _editor(
        request,
        viewer,
        form,
        record,
        400,
        error=problem["message"],
        error_field=problem["field"],
    )


async def delete_rule(request: Request) -> Response:
    viewer = await require_viewer(request)
    viewer.require_admin(CHANGE)
    await viewer_form(request, viewer)
    record = await _owned(request, viewer)
    await services(request).store.delete_rule(viewer.workspace_id, record.id)
    return see_other("/alerts/rules?done=deleted")


async def test_rule(request: Request) -> Response:
    """ "Test this rule": the form's rule (saved or not) over the last 7 days; nothing saved.
    Anyone may: it reads only the events they can already read."""
    viewer = await require_viewer(request)
    fields = await viewer_form(request, viewer)
    record = None
    rule_id = parse_id(fields.get("rule_id"))
    if rule_id is not None:
        record = await services(request).store.get_rule(viewer.workspace_id, rule_id)
        if record is None:
            raise ApiError(404, "not_found", _MISSING)
    stored = record.document if record is not None else None
    tried = dict(fields)
    if not tried.get("name", "").strip():
        tried["name"] = UNSAVED_NAME
    rule, found = _check_form(tried, stored)
    form = rule_form.read_rule_form(fields, stored)
    if rule is None:
        return await _show_error(request, viewer, form, record, found)
    until = utcnow()
    since = until - rule_dry_run.DEFAULT_SPAN
    run = await rule_dry_run.dry_run(
        services(request).store, viewer.workspace_id, rule, since, until
    )
    return await _editor(request, viewer, form, record, test=_result(run))


def _result(run: rule_dry_run.DryRun) -> dict[str, Any]:
    moments: list[datetime] = sorted(run.moments, reverse=True)
    return {
        "count": len(run.moments),
        "moments": moments[:MOMENTS_SHOWN],
        "more": max(0, len(moments) - MOMENTS_SHOWN),
        "matched": run.matched,
        "truncated": run.truncated,
        "since": run.since,
    }
