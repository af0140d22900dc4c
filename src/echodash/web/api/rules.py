"""`/api/v1/rules`: alert rules — what to watch for, when to fire, whom to tell.

Rules are checked by `parse_rule` and stored as its canonical JSON (secrets included); every
answer hides webhook secrets. Reading is for anyone in the workspace; creating, changing and
deleting is for those who may change endpoints (admins), since a rule sends workspace data to
the URLs it names.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from echodash.alerts.rule_secrets import seal_secrets
from echodash.alerts.rules import Rule
from echodash.store.base.alerts import RuleNameTakenError, RuleRecord
from echodash.web.api.alerting import (
    MASKED_SECRET,
    RULE_BYTES,
    bounded_json,
    checked_rule,
    owned_rule,
    rule_json,
)
from echodash.web.auth import require_admin, require_token
from echodash.web.responses import ApiError, json_response, services


async def list_rules(request: Request) -> Response:
    token = await require_token(request)
    records = await services(request).store.list_rules(token.workspace_id)
    return json_response({"rules": [rule_json(r) for r in records]})


async def get_rule(request: Request) -> Response:
    token = await require_token(request)
    return json_response(rule_json(await owned_rule(request, token.workspace_id)))


async def create_rule(request: Request) -> Response:
    token = await require_admin(request, "alert rules")
    body = await bounded_json(request, RULE_BYTES)
    enabled = _enabled(body.pop("enabled", True))
    _refuse_masked_secrets(body.get("actions"), None)
    rule, stored = checked_rule(body)
    svc = services(request)
    try:
        record = await svc.store.create_rule(
            token.workspace_id, rule.name, seal_secrets(stored, svc.box), enabled
        )
    except RuleNameTakenError:
        raise _name_taken(rule) from None
    return json_response(rule_json(record), 201)


async def update_rule(request: Request) -> Response:
    """Top-level keys of the body replace the stored ones (null removes an optional one,
    e.g. `"muted_until": null`); the result is checked as a whole."""
    token = await require_admin(request, "alert rules")
    record = await owned_rule(request, token.workspace_id)
    body = await bounded_json(request, RULE_BYTES)
    enabled = _enabled(body.pop("enabled", record.enabled))
    document: dict[str, Any] = dict(record.document)
    for key, value in body.items():
        if value is None:
            document.pop(key, None)
        else:
            document[key] = value
    if "actions" in body:
        _refuse_masked_secrets(document.get("actions"), record)
    rule, stored = checked_rule(document)
    svc = services(request)
    try:
        updated = await svc.store.update_rule(
            token.workspace_id, record.id, rule.name, seal_secrets(stored, svc.box), enabled
        )
    except RuleNameTakenError:
        raise _name_taken(rule) from None
    if updated is None:
        raise ApiError(404, "not_found", "No rule with this id in your workspace.")
    return json_response(rule_json(updated))


async def delete_rule(request: Request) -> Response:
    token = await require_admin(request, "alert rules")
    record = await owned_rule(request, token.workspace_id)
    await services(request).store.delete_rule(token.workspace_id, record.id)
    return Response(status_code=204)


def _enabled(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ApiError(400, "invalid_rule", "enabled: true or false")
    return value


def _name_taken(rule: Rule) -> ApiError:
    taken = f"name: another rule of this workspace is named {rule.name!r}"
    return ApiError(409, "name_taken", taken)


def _refuse_masked_secrets(actions: Any, stored: RuleRecord | None) -> None:
    """A webhook secret sent back as answers show it ("whsec_…") means "keep the one saved":
    it is put back from the stored rule's action at the same place (same kind and URL), and
    refused when there is none — the mask must never become the secret."""
    if not isinstance(actions, list):
        return
    saved = stored.document.get("actions", []) if stored is not None else []
    for index, action in enumerate(actions):
        if not isinstance(action, dict) or action.get("secret") != MASKED_SECRET:
            continue
        before = saved[index] if index < len(saved) else None
        if (
            isinstance(before, dict)
            and before.get("kind") == action.get("kind")
            and before.get("url") == action.get("url")
            and isinstance(before.get("secret"), str)
        ):
            actions[index] = {**action, "secret": before["secret"]}
            continue
        raise ApiError(
            400,
            "invalid_rule",
            f"actions.{index}.secret: {MASKED_SECRET} is how answers hide a secret; "
            "send the secret itself (or leave the action as saved)",
        )
