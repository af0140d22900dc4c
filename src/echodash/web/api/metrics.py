"""`/api/v1/metrics/...`: DORA, revenue and product metrics over the workspace's metric facts
(specs/metrics.md; docs/metrics.md). Each takes a `[since, until)` window: until defaults to
now, since to 90 days before until."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Literal, cast

from starlette.requests import Request
from starlette.responses import Response

from echodash.events import utcnow
from echodash.metrics import report
from echodash.metrics.product import Period
from echodash.web.auth import require_token
from echodash.web.params import int_param, query, time_param
from echodash.web.responses import ApiError, json_response, services

MAX_PARAM = 300
MAX_STEPS = 20
PERIODS = ("day", "week", "month")


def _known(request: Request, *names: str) -> None:
    allowed = {"since", "until", *names}
    unknown = sorted({k for k in request.query_params if k not in allowed})
    if unknown:
        raise ApiError(
            400,
            "bad_parameter",
            f"Unknown parameter {', '.join(f'`{k}`' for k in unknown)}; "
            f"known: {', '.join(sorted(allowed))}.",
        )


def window(request: Request) -> tuple[datetime, datetime]:
    """`since` and `until` (ISO-8601 or Unix seconds/ms), until now and 90 days by default."""
    until = time_param(query(request, "until"), "until") or utcnow()
    since = time_param(query(request, "since"), "since") or until - report.DEFAULT_WINDOW
    if since >= until:
        raise ApiError(400, "bad_parameter", "`since` must be before `until`.")
    if until - since > report.MAX_WINDOW:
        raise ApiError(400, "bad_parameter", "The window may span at most 3660 days.")
    return since, until


def _text(request: Request, name: str, default: str | None = None) -> str | None:
    value = query(request, name)
    if value is None or value == "":
        return default
    if len(value) > MAX_PARAM:
        raise ApiError(400, "bad_parameter", f"`{name}` is longer than {MAX_PARAM} characters.")
    return value


def _required(request: Request, name: str, default: str | None = None) -> str:
    value = _text(request, name, default)
    if value is None:
        raise ApiError(400, "bad_parameter", f"`{name}` is required.")
    return value


async def dora(request: Request) -> Response:
    token = await require_token(request)
    _known(request, "repository", "environment")
    since, until = window(request)
    return json_response(
        await report.dora_report(
            services(request).store,
            token.workspace_id,
            since,
            until,
            repository=_text(request, "repository"),
            environment=_text(request, "environment"),
        )
    )


async def revenue(request: Request) -> Response:
    token = await require_token(request)
    _known(request, "currency")
    since, until = window(request)
    currency = _text(request, "currency")
    if currency is not None and not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise ApiError(400, "bad_parameter", "`currency` is a three-letter code such as usd.")
    return json_response(
        await report.revenue_report(
            services(request).store, token.workspace_id, since, until, currency=currency
        )
    )


async def product(request: Request) -> Response:
    token = await require_token(request)
    _known(request, "event")
    since, until = window(request)
    return json_response(
        await report.product_report(
            services(request).store,
            token.workspace_id,
            since,
            until,
            event=_text(request, "event"),
        )
    )


async def retention(request: Request) -> Response:
    token = await require_token(request)
    _known(request, "start_event", "return_event", "period")
    since, until = window(request)
    period = _text(request, "period", "week")
    if period not in PERIODS:
        raise ApiError(400, "bad_parameter", "`period` is day, week or month.")
    return json_response(
        await report.retention_report(
            services(request).store,
            token.workspace_id,
            since,
            until,
            start_event=_required(request, "start_event"),
            return_event=_required(request, "return_event"),
            period=cast(Period, period),
        )
    )


async def funnel(request: Request) -> Response:
    token = await require_token(request)
    _known(request, "steps", "window_days")
    since, until = window(request)
    steps = [s.strip() for s in _required(request, "steps").split(",")]
    if not 1 <= len(steps) <= MAX_STEPS or not all(steps):
        raise ApiError(
            400, "bad_parameter", f"`steps` is 1 to {MAX_STEPS} event names, comma-separated."
        )
    window_days = int_param(query(request, "window_days"), "window_days", 1, 365, 14)
    return json_response(
        await report.funnel_report(
            services(request).store,
            token.workspace_id,
            since,
            until,
            steps=steps,
            window_days=window_days,
        )
    )


async def time_to_value(request: Request) -> Response:
    token = await require_token(request)
    _known(request, "signup_event", "activation_event")
    since, until = window(request)
    return json_response(
        await report.time_to_value_report(
            services(request).store,
            token.workspace_id,
            since,
            until,
            signup_event=_required(request, "signup_event", "signup"),
            activation_event=_required(request, "activation_event"),
        )
    )


async def _survey(request: Request, kind: Literal["nps", "csat"]) -> Response:
    token = await require_token(request)
    _known(request, "event")
    since, until = window(request)
    return json_response(
        await report.survey_report(
            services(request).store,
            token.workspace_id,
            since,
            until,
            kind=kind,
            event=_required(request, "event", kind),
        )
    )


async def nps(request: Request) -> Response:
    return await _survey(request, "nps")


async def csat(request: Request) -> Response:
    return await _survey(request, "csat")
