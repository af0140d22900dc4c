"""What the alerts API routes share: rules checked and shown as JSON, bounded bodies."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request

from echodash.alerts.apprise_action import check_scheme
from echodash.alerts.evaluation import MAINTENANCE
from echodash.alerts.rules import Rule, RuleError, parse_rule
from echodash.alerts.windows import WindowError, parse_window
from echodash.events import iso
from echodash.store.base.alerts import RuleRecord
from echodash.web.params import json_body, path_id
from echodash.web.responses import ApiError, services

# A rule is a few hundred bytes; services a few kilobytes. Far below the API's 1 MiB, so a
# rule or a service list can never be a large thing to parse, store and evaluate.
RULE_BYTES = 64 * 1024
SERVICES_BYTES = 256 * 1024
# Maintenance windows ride along in a rule's document under the evaluator's MAINTENANCE key
# (`parse_rule` does not know it); checked here one by one, to name the wrong one.
MAX_WINDOWS = 20
# What `Action.to_json` shows in place of a webhook secret.
MASKED_SECRET = "whsec_…"  # noqa: S105 (the mask, not a secret)


async def bounded_json(request: Request, limit: int) -> dict[str, Any]:
    """The body as a JSON object of at most `limit` bytes."""
    if len(await request.body()) > limit:
        raise ApiError(413, "body_too_large", f"The body is over the {limit}-byte limit.")
    return await json_body(request)


def checked_rule(document: dict[str, Any]) -> tuple[Rule, dict[str, Any]]:
    """The rule `document` describes and the document to store (canonical, secrets
    included, maintenance windows kept), or a 400 naming the field that is wrong."""
    rest = {k: v for k, v in document.items() if k != MAINTENANCE}
    try:
        rule = parse_rule(rest)
    except RuleError as exc:
        raise ApiError(400, "invalid_rule", str(exc)) from None
    except OverflowError:
        # parse_rule lets a time at the calendar's edge with an offset overflow in UTC
        # ("9999-12-31T23:59:59-23:59"); `muted_until` is the one time it reads.
        raise ApiError(
            400, "invalid_rule", "muted_until: an ISO-8601 time such as 2026-12-24T00:00:00Z"
        ) from None
    for index, action in enumerate(rule.actions):
        # Refused now rather than given up at the first alert: a scheme EchoDash never sends.
        unsent = check_scheme(action.url) if action.kind == "apprise" and action.url else None
        if unsent:
            raise ApiError(400, "invalid_rule", f"actions.{index}.url: {unsent}")
    stored = rule.to_json(reveal=True)
    windows = _windows(document.get(MAINTENANCE))
    if windows:
        stored[MAINTENANCE] = windows
    return rule, stored


def _windows(value: Any) -> list[dict[str, Any]]:
    if value is None:
        return []
    if not isinstance(value, list) or len(value) > MAX_WINDOWS:
        raise ApiError(
            400, "invalid_rule", f"{MAINTENANCE}: a list of at most {MAX_WINDOWS} windows"
        )
    found = []
    for i, item in enumerate(value):
        given = item if isinstance(item, dict) else {}
        zone = given.get("timezone")
        if "timezone" in given and (not isinstance(zone, str) or not 0 < len(zone) <= 64):
            raise ApiError(400, "invalid_rule", f"{MAINTENANCE}.{i}.timezone: a time zone name")
        if "days" in given and not isinstance(given["days"], list):
            # parse_window reads a false value as "every day": a typo must not mean that.
            raise ApiError(400, "invalid_rule", f'{MAINTENANCE}.{i}.days: a list such as ["sat"]')
        try:
            found.append(parse_window(item).to_json())
        except (WindowError, ValueError, OSError) as exc:
            raise ApiError(400, "invalid_rule", f"{MAINTENANCE}.{i}: {exc}") from None
    return found


def rule_json(record: RuleRecord) -> dict[str, Any]:
    """A stored rule as answers show it: secrets hidden, with its id, state and times."""
    rest = {k: v for k, v in record.document.items() if k != MAINTENANCE}
    try:
        shown = parse_rule(rest).to_json()
    except RuleError:
        # Saved by an older version with other rules: shown, never with a secret.
        shown = {k: v for k, v in rest.items() if k != "actions"}
    if record.document.get(MAINTENANCE):
        shown[MAINTENANCE] = record.document[MAINTENANCE]
    return {
        "id": record.id,
        **shown,
        "enabled": record.enabled,
        "created_at": iso(record.created_at),
        "updated_at": iso(record.updated_at),
    }


async def owned_rule(request: Request, workspace_id: int) -> RuleRecord:
    if request.path_params.get("rule_id") == "test":
        # `/rules/test` is a route of its own (POST); other methods reach `/rules/{rule_id}`.
        raise ApiError(405, "method_not_allowed", "Method Not Allowed", {"Allow": "POST"})
    rule_id = path_id(request, "rule_id", "No rule with this id in your workspace.")
    record = await services(request).store.get_rule(workspace_id, rule_id)
    if record is None:
        raise ApiError(404, "not_found", "No rule with this id in your workspace.")
    return record
