"""A rule's destinations: `GET /api/v1/rules/{id}/attempts` (each notification attempt with the
receiver's answer) and `POST /api/v1/rules/{id}/actions/{index}/test` ("send test").

Reading attempts is for anyone in the workspace, like reading rules. Sending a test reaches an
outside address the rule names, so it takes an admin, as changing the rule does.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from echodash.alerts.sender import GiveUp
from echodash.events import iso
from echodash.store.base.alerts import Attempt, RuleRecord
from echodash.web.api.alerting import owned_rule
from echodash.web.auth import require_admin, require_token
from echodash.web.responses import ApiError, json_response, services

ATTEMPTS_SHOWN = 50


def attempt_json(attempt: Attempt) -> dict[str, Any]:
    return {
        "at": iso(attempt.at),
        "ok": attempt.ok,
        "status_code": attempt.status_code,
        "detail": attempt.detail,
        "seconds": attempt.seconds,
    }


async def list_attempts(request: Request) -> Response:
    token = await require_token(request)
    record = await owned_rule(request, token.workspace_id)
    found = await services(request).store.notification_attempts(
        token.workspace_id, record.id, ATTEMPTS_SHOWN
    )
    return json_response(
        {
            "attempts": [
                {
                    "alert_id": a.alert_id,
                    "action": a.action_index,
                    "kind": a.kind,
                    **attempt_json(a.attempt),
                }
                for a in found
            ]
        }
    )


async def send_test(request: Request) -> Response:
    token = await require_admin(request, "alert rules")
    record = await owned_rule(request, token.workspace_id)
    return json_response(attempt_json(await test_action(request, record)))


async def test_action(request: Request, record: RuleRecord) -> Attempt:
    """Send a test to the rule's action named by the path's `index` (the API's route and the
    rule page's button both come here)."""
    raw = request.path_params.get("index", "")
    if not (isinstance(raw, str) and raw.isdigit() and len(raw) <= 3):
        raise ApiError(404, "not_found", "The rule has no such action.")
    runner = services(request).alerts
    if runner is None:
        raise ApiError(503, "not_ready", "Notifications are not running on this server yet.")
    try:
        return await runner.sender.send_test(record, int(raw))
    except GiveUp as reason:
        raise ApiError(404, "not_found", f"Nothing to test: {reason}.") from None
