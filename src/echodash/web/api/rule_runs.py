"""`POST /api/v1/rules/{id}/test` and `POST /api/v1/rules/test`: dry runs over stored events.

Anyone who can read the workspace may run one: it reads the events they can already read,
saves nothing and notifies nobody.
"""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request
from starlette.responses import Response

from echodash import rule_dry_run
from echodash.alerts.rules import Rule
from echodash.events import iso, utcnow
from echodash.web.api.alerting import RULE_BYTES, bounded_json, checked_rule, owned_rule
from echodash.web.auth import require_token
from echodash.web.params import query, time_param
from echodash.web.responses import ApiError, json_response, services

# A rule sent only to be tried needs no name.
UNSAVED_NAME = "dry run"


async def dry_run_saved(request: Request) -> Response:
    token = await require_token(request)
    since, until = _span(request)
    record = await owned_rule(request, token.workspace_id)
    rule, _ = checked_rule(record.document)
    return await _answer(request, token.workspace_id, rule, since, until)


async def dry_run_unsaved(request: Request) -> Response:
    token = await require_token(request)
    since, until = _span(request)
    body = await bounded_json(request, RULE_BYTES)
    body.pop("enabled", None)
    body.setdefault("name", UNSAVED_NAME)
    rule, _ = checked_rule(body)
    return await _answer(request, token.workspace_id, rule, since, until)


def _span(request: Request) -> tuple[datetime, datetime]:
    """[since, until) from the query: the last 7 days by default, at most 90 days."""
    unknown = sorted(set(request.query_params) - {"since", "until"})
    if unknown:
        raise ApiError(
            400, "bad_parameter", f"Unknown parameter `{unknown[0]}`; known: since, until."
        )
    until = time_param(query(request, "until"), "until") or utcnow()
    since = time_param(query(request, "since"), "since") or until - rule_dry_run.DEFAULT_SPAN
    if since >= until:
        raise ApiError(400, "bad_parameter", "`since` must be before `until`.")
    if until - since > rule_dry_run.LONGEST_SPAN:
        raise ApiError(400, "bad_parameter", "A dry run covers at most 90 days.")
    return since, until


async def _answer(
    request: Request, workspace_id: int, rule: Rule, since: datetime, until: datetime
) -> Response:
    run = await rule_dry_run.dry_run(services(request).store, workspace_id, rule, since, until)
    return json_response(
        {
            "would_fire": len(run.moments),
            "moments": [iso(m) for m in run.moments],
            "matched": run.matched,
            "scanned": run.scanned,
            "truncated": run.truncated,
            "since": iso(run.since),
            "until": iso(run.until),
        }
    )
