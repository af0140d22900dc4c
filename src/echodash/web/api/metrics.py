"""`/api/v1/metrics/...`: DORA, revenue and product metrics over the workspace's metric facts
(specs/metrics.md; docs/metrics.md). Each takes a `[since, until)` window: until defaults to
now, since to 90 days before until. Each answers JSON, or CSV (`?format=csv` or
`Accept: text/csv`, metrics/export.py), and with `?explain=1` the events behind each number
(metrics/explain.py). Every one reads the workspace's metric settings, which
`/api/v1/metrics/settings` shows and changes."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, cast

from starlette.requests import Request
from starlette.responses import Response

from echodash.events import utcnow
from echodash.metrics import explain as behind
from echodash.metrics import export, product, report
from echodash.metrics.export import Row
from echodash.metrics.product import Period
from echodash.metrics.settings import MetricSettings, SettingsError, parse_settings
from echodash.web.auth import require_admin, require_token
from echodash.web.params import int_param, json_body, query, time_param
from echodash.web.responses import JSON_HEADERS, ApiError, json_response, services
from echodash.web.services import Services

MAX_PARAM = 300
MAX_STEPS = 20
PERIODS = ("day", "week", "month")
SETTINGS_BYTES = 4096
# How every metric answers: `format` (json, csv) and `explain`.
OUTPUT = ("format", "explain")
EXPLAIN_VALUES = {"": False, "0": False, "false": False, "1": True, "true": True}


def _known(request: Request, *names: str) -> None:
    allowed = {"since", "until", *OUTPUT, *names}
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


# The answer: JSON (with `explain`), or CSV


def prefers_csv(accept: str) -> bool:
    """Whether an Accept header asks for CSV before JSON: `text/csv` named with a weight above
    0 and at least that of `application/json` (when that is named too); wildcards alone
    never choose CSV."""
    weights: dict[str, float] = {}
    for part in accept.split(","):
        media, *options = (p.strip() for p in part.split(";"))
        weight = 1.0
        for option in options:
            name, _, value = option.partition("=")
            if name.strip().lower() == "q":
                try:
                    weight = float(value)
                except ValueError:
                    weight = 0.0
        weights[media.lower()] = max(weight, weights.get(media.lower(), 0.0))
    csv = weights.get("text/csv", 0.0)
    return csv > 0 and csv >= weights.get("application/json", 0.0)


def _wants_csv(request: Request) -> bool:
    chosen = _text(request, "format")
    if chosen is None:
        return prefers_csv(request.headers.get("accept", ""))
    if chosen not in ("json", "csv"):
        raise ApiError(400, "bad_parameter", "`format` is json or csv.")
    return chosen == "csv"


def _wants_explain(request: Request) -> bool:
    value = query(request, "explain")
    if value is None:
        return False
    if value not in EXPLAIN_VALUES:
        raise ApiError(400, "bad_parameter", "`explain` is 1 or 0.")
    return EXPLAIN_VALUES[value]


class Answer:
    """How one request wants its metric: checked before any work is done."""

    def __init__(self, request: Request, name: str, since: datetime, until: datetime) -> None:
        self.name = name
        self.since, self.until = since, until
        self.csv = _wants_csv(request)
        self.explain = _wants_explain(request)
        if self.csv and self.explain:
            raise ApiError(
                400, "bad_parameter", "`explain` is for JSON answers; leave out `format=csv`."
            )

    def send(
        self,
        document: dict[str, Any],
        table: Callable[[], list[Row]],
        explained: Callable[[], dict[str, Any]],
    ) -> Response:
        if self.csv:
            name = f"echodash-{self.name}-{self.since:%Y%m%d}-{self.until:%Y%m%d}.csv"
            return Response(
                export.to_csv(table()),
                media_type="text/csv; charset=utf-8",
                headers={**JSON_HEADERS, "Content-Disposition": f'attachment; filename="{name}"'},
            )
        if self.explain:
            document = {**document, "explain": explained()}
        return json_response(document)


async def _settings(request: Request, workspace_id: int) -> MetricSettings:
    return await services(request).store.get_metric_settings(workspace_id)


def _unexplained() -> dict[str, Any]:
    raise AssertionError("only asked for when the request wants `explain`")


# Settings


async def get_settings(request: Request) -> Response:
    token = await require_token(request)
    _no_parameters(request)
    return json_response((await _settings(request, token.workspace_id)).to_json())


async def patch_settings(request: Request) -> Response:
    token = await require_admin(request, "metric settings")
    _no_parameters(request)
    if len(await request.body()) > SETTINGS_BYTES:
        raise ApiError(413, "body_too_large", f"The body is over the {SETTINGS_BYTES}-byte limit.")
    document = await json_body(request)
    current = await _settings(request, token.workspace_id)
    try:
        changed = parse_settings(document, current)
    except SettingsError as exc:
        raise ApiError(400, "invalid_settings", str(exc)) from None
    await save_settings(services(request), token.workspace_id, changed)
    return json_response(changed.to_json())


def _no_parameters(request: Request) -> None:
    if request.query_params:
        unknown = ", ".join(f"`{k}`" for k in sorted(request.query_params))
        raise ApiError(400, "bad_parameter", f"Unknown parameter {unknown}; this takes none.")


async def save_settings(svc: Services, workspace_id: int, settings: MetricSettings) -> bool:
    """Keep a workspace's metric settings (the API's PATCH and the settings page). A new
    incident label reaches this node's processor at once, and the workspace's incident facts
    are worked out again in the background (jobs/relabel.py). True when the label changed."""
    relabel = await svc.store.set_metric_settings(workspace_id, settings)
    if relabel:
        svc.processor.forget_incident_labels()
        if svc.relabel is not None:
            svc.relabel.kick()
    return relabel


# The metrics


async def dora(request: Request) -> Response:
    token = await require_token(request)
    _known(request, "repository", "environment")
    since, until = window(request)
    answer = Answer(request, "dora", since, until)
    result = await report.dora_result(
        services(request).store,
        token.workspace_id,
        since,
        until,
        repository=_text(request, "repository"),
        environment=_text(request, "environment"),
        settings=await _settings(request, token.workspace_id),
    )
    return answer.send(
        result.to_json(),
        lambda: export.dora_table(result),
        lambda: behind.listings(behind.dora_ids(result)),
    )


async def revenue(request: Request) -> Response:
    token = await require_token(request)
    _known(request, "currency")
    since, until = window(request)
    currency = _text(request, "currency")
    if currency is not None and not re.fullmatch(r"[A-Za-z]{3}", currency):
        raise ApiError(400, "bad_parameter", "`currency` is a three-letter code such as usd.")
    answer = Answer(request, "revenue", since, until)
    found, snapshots = await report.revenue_result(
        services(request).store,
        token.workspace_id,
        since,
        until,
        currency=currency,
        settings=await _settings(request, token.workspace_id),
    )
    document = found.to_json()
    return answer.send(
        document,
        lambda: export.revenue_table(document),
        lambda: behind.listings(behind.revenue_ids(found, snapshots)),
    )


async def product_metrics(request: Request) -> Response:
    token = await require_token(request)
    _known(request, "event")
    since, until = window(request)
    answer = Answer(request, "product", since, until)
    event = _text(request, "event")
    settings = await _settings(request, token.workspace_id)
    zone = settings.zone
    if not answer.explain:  # the database counts the active days
        counted = await report.product_report(
            services(request).store,
            token.workspace_id,
            since,
            until,
            event=event,
            settings=settings,
        )
        return answer.send(counted, lambda: export.product_table(counted), _unexplained)
    activity = await report.product_activity(
        services(request).store, token.workspace_id, since, until, event
    )
    document = product.active_users(activity, since, until, event, zone)
    return answer.send(
        document,
        lambda: export.product_table(document),
        lambda: behind.listings(behind.active_ids(activity, since, until, event, zone)),
    )


async def retention(request: Request) -> Response:
    token = await require_token(request)
    _known(request, "start_event", "return_event", "period")
    since, until = window(request)
    period = _text(request, "period", "week")
    if period not in PERIODS:
        raise ApiError(400, "bad_parameter", "`period` is day, week or month.")
    start_event = _required(request, "start_event")
    return_event = _required(request, "return_event")
    answer = Answer(request, "retention", since, until)
    settings = await _settings(request, token.workspace_id)
    zone = settings.zone
    chosen = cast(Period, period)
    if not answer.explain:  # the database hands over firsts and active days
        counted = await report.retention_report(
            services(request).store,
            token.workspace_id,
            since,
            until,
            start_event=start_event,
            return_event=return_event,
            period=chosen,
            settings=settings,
        )
        return answer.send(counted, lambda: export.retention_table(counted), _unexplained)
    activity = await report.history_activity(
        services(request).store, token.workspace_id, until, [start_event, return_event]
    )
    document = product.retention(activity, start_event, return_event, chosen, since, until, zone)

    def explained() -> dict[str, Any]:
        cohorts = behind.retention_ids(
            activity, start_event, return_event, chosen, since, until, zone
        )
        return {
            "cohorts": [
                {
                    "start": c["start"],
                    "size": behind.listing(c["size"]),
                    "retained": behind.listing(c["retained"]),
                }
                for c in cohorts
            ]
        }

    return answer.send(document, lambda: export.retention_table(document), explained)


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
    answer = Answer(request, "funnel", since, until)
    if not answer.explain:
        counted = await report.funnel_report(
            services(request).store,
            token.workspace_id,
            since,
            until,
            steps=steps,
            window_days=window_days,
        )
        return answer.send(counted, lambda: export.funnel_table(counted), _unexplained)
    activity = await report.window_activity(
        services(request).store, token.workspace_id, since, until, steps
    )
    document = product.funnel(activity, steps, since, until, window_days)

    def explained() -> dict[str, Any]:
        found = behind.funnel_ids(activity, steps, since, until, window_days)
        return {
            "steps": [
                {"event": step, **behind.listing(ids)}
                for step, ids in zip(steps, found, strict=True)
            ]
        }

    return answer.send(document, lambda: export.funnel_table(document), explained)


async def time_to_value(request: Request) -> Response:
    token = await require_token(request)
    _known(request, "signup_event", "activation_event")
    since, until = window(request)
    signup_event = _required(request, "signup_event", "signup")
    activation_event = _required(request, "activation_event")
    answer = Answer(request, "time-to-value", since, until)
    if not answer.explain:  # the database hands over each person's firsts
        counted = await report.time_to_value_report(
            services(request).store,
            token.workspace_id,
            since,
            until,
            signup_event=signup_event,
            activation_event=activation_event,
        )
        return answer.send(counted, lambda: export.flat_table(counted), _unexplained)
    activity = await report.history_activity(
        services(request).store, token.workspace_id, until, [signup_event, activation_event]
    )
    document = product.time_to_value(activity, signup_event, activation_event, since, until)
    return answer.send(
        document,
        lambda: export.flat_table(document),
        lambda: behind.listings(
            behind.time_to_value_ids(activity, signup_event, activation_event, since, until)
        ),
    )


async def _survey(request: Request, kind: Literal["nps", "csat"]) -> Response:
    token = await require_token(request)
    _known(request, "event")
    since, until = window(request)
    event = _required(request, "event", kind)
    answer = Answer(request, kind, since, until)
    if not answer.explain:  # the database counts the answers per score
        counted = await report.survey_report(
            services(request).store, token.workspace_id, since, until, kind=kind, event=event
        )
        return answer.send(counted, lambda: export.flat_table(counted), _unexplained)
    activity = await report.window_activity(
        services(request).store, token.workspace_id, since, until, [event]
    )
    document = report.survey(kind, activity)
    return answer.send(
        document,
        lambda: export.flat_table(document),
        lambda: behind.listings(behind.survey_ids(kind, activity)),
    )


async def nps(request: Request) -> Response:
    return await _survey(request, "nps")


async def csat(request: Request) -> Response:
    return await _survey(request, "csat")
