"""The `/api/v1/metrics/...` part of the OpenAPI document (web/api/metrics.py)."""

from __future__ import annotations

from typing import Any

from echodash.metrics.explain import MAX_IDS
from echodash.metrics.settings import MAX_PATTERN
from echodash.web.api.metrics import MAX_PARAM, SETTINGS_BYTES


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _query(
    name: str, schema: dict[str, Any], description: str, *, required: bool = False
) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": required,
        "schema": schema,
        "description": description,
    }


def _object(**properties: Any) -> dict[str, Any]:
    return {"type": "object", "required": sorted(properties), "properties": properties}


_NAME = {"type": "string", "maxLength": MAX_PARAM}
_REQUIRED_NAME = {"type": "string", "minLength": 1, "maxLength": MAX_PARAM}
_NUMBER = {"type": ["number", "null"]}
_INT = {"type": "integer"}
_MOVEMENTS = _object(new=_INT, reactivation=_INT, expansion=_INT, contraction=_INT, churn=_INT)
_BAND = {"enum": ["elite", "high", "medium", "low", None]}
_WINDOW = [
    _query("since", {"type": "string"}, "Window start: ISO-8601 or Unix seconds/ms (90 days)"),
    _query("until", {"type": "string"}, "Window end, excluded: ISO-8601 or Unix s/ms (now)"),
]
_POINTS = {"type": "array", "items": _object(date={"type": "string"}, value=_INT)}
_OUTPUT = [
    _query(
        "format",
        {"enum": ["", "json", "csv"]},
        "csv: the metric as a CSV table, as an attachment (also chosen by Accept: text/csv); "
        "json (the default) otherwise",
    ),
    _query(
        "explain",
        {"enum": ["", "0", "1", "false", "true"]},
        "1: add `explain`, the ids of the events behind each number (JSON only)",
    ),
]
# One number's events (metrics/explain.py): newest first, at most MAX_IDS of them.
_EVENTS_FIELDS: dict[str, Any] = {
    "event_ids": {"type": "array", "maxItems": MAX_IDS, "items": {"type": "integer"}},
    "count": {"type": "integer", "minimum": 0},
    "truncated": {"type": "boolean"},
}
EVENTS = {"type": "object", "required": list(_EVENTS_FIELDS), "properties": _EVENTS_FIELDS}
_ERROR = {"$ref": "#/components/schemas/Error"}


def _events(*names: str) -> dict[str, Any]:
    return _object(**dict.fromkeys(names, EVENTS))


def _get(
    summary: str,
    parameters: list[dict[str, Any]],
    schema: dict[str, Any],
    explain: dict[str, Any],
) -> dict[str, Any]:
    # `explain` is there only when asked for: not a required property.
    answer = {**schema, "properties": {**schema["properties"], "explain": explain}}
    return {
        "get": {
            "summary": summary,
            "parameters": [*_WINDOW, *parameters, *_OUTPUT],
            "responses": {
                "200": {
                    "description": summary,
                    "content": {
                        "application/json": {"schema": answer},
                        "text/csv": {"schema": {"type": "string"}},
                    },
                },
                "400": _json(_ERROR, "A parameter is invalid"),
                "401": _json(_ERROR, "Missing or invalid token"),
            },
        }
    }


_SETTINGS_FIELDS = {
    "production_environment": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_PATTERN,
        "description": "A regular expression: which environments are production",
    },
    "incident_label": {
        "type": "string",
        "minLength": 1,
        "maxLength": MAX_PATTERN,
        "description": "A regular expression: which issue labels make an incident",
    },
    "timezone": {
        "type": "string",
        "minLength": 1,
        "maxLength": 100,
        "description": "An IANA time zone name (days, weeks and months are counted in it)",
    },
    "currency": {
        "type": ["string", "null"],
        "pattern": "^[A-Za-z]{3}$",
        "description": "ISO code revenue shows by default; null: the one with the most MRR",
    },
}
SETTINGS = {
    "type": "object",
    "required": sorted(_SETTINGS_FIELDS),
    "additionalProperties": False,
    "properties": _SETTINGS_FIELDS,
}


def _settings_path() -> dict[str, Any]:
    settings = _json(SETTINGS, "The workspace's metric settings")
    return {
        "get": {
            "summary": "The workspace's metric settings",
            "responses": {
                "200": settings,
                "400": _json(_ERROR, "A parameter is invalid"),
                "401": _json(_ERROR, "Missing or invalid token"),
            },
        },
        "patch": {
            "summary": "Change the workspace's metric settings (admin; fields left out stay)",
            "requestBody": _json(
                {**SETTINGS, "required": []}, "The settings to change, as GET shows them"
            ),
            "responses": {
                "200": settings,
                "400": _json(_ERROR, "Invalid: the detail names the field"),
                "401": _json(_ERROR, "Missing or invalid token"),
                "403": _json(_ERROR, "Only admins change metric settings"),
                "413": _json(_ERROR, f"Body over {SETTINGS_BYTES} bytes"),
            },
        },
    }


def metric_paths() -> dict[str, Any]:
    return {
        "/api/v1/metrics/dora": _get(
            "DORA delivery metrics: deployment frequency, lead time, change failure rate, "
            "recovery time, rework rate",
            [
                _query("repository", _NAME, "A repository (acme/web) or service (empty: all)"),
                _query("environment", _NAME, "Only deployments to this environment"),
            ],
            _object(
                deployment_frequency=_object(
                    count=_INT, per_week=_NUMBER, band={"enum": ["elite", "high", "medium", "low"]}
                ),
                lead_time_minutes=_object(median=_NUMBER, p90=_NUMBER, band=_BAND),
                change_failure_rate=_object(value=_NUMBER, band=_BAND),
                recovery_time_minutes=_object(median=_NUMBER, band=_BAND),
                rework_rate=_object(value=_NUMBER),
            ),
            _events(
                "deployment_frequency",
                "lead_time",
                "change_failure_rate",
                "recovery_time",
                "rework_rate",
            ),
        ),
        "/api/v1/metrics/revenue": _get(
            "MRR, its movements, churn, ARPA, LTV and trial conversion in one currency",
            [
                _query(
                    "currency",
                    {"type": "string", "pattern": "^([A-Za-z]{3})?$"},
                    "ISO code (empty: the one with the most MRR)",
                )
            ],
            _object(
                currency={"type": "string"},
                mrr=_object(start=_INT, end=_INT),
                movements=_MOVEMENTS,
                customers=_object(start=_INT, end=_INT, churned=_INT),
                customer_churn_rate=_NUMBER,
                gross_mrr_churn=_NUMBER,
                net_mrr_churn=_NUMBER,
                arpa=_NUMBER,
                ltv=_NUMBER,
                trial_conversion=_NUMBER,
                series={"type": "array", "items": _object(date={"type": "string"}, mrr=_INT)},
                months={
                    "type": "array",
                    "description": "The window cut at the workspace's month edges: each part's "
                    "MRR at its start and end and the movements between them",
                    "items": _object(
                        month={"type": "string", "pattern": "^[0-9]{4}-[0-9]{2}$"},
                        since={"type": "string"},
                        until={"type": "string"},
                        mrr=_object(start=_INT, end=_INT),
                        movements=_MOVEMENTS,
                    ),
                },
            ),
            _events(
                "mrr",
                "mrr_start",
                "new",
                "reactivation",
                "expansion",
                "contraction",
                "churn",
                "ltv",
                "trial_conversion",
            ),
        ),
        "/api/v1/metrics/product": _get(
            "Daily, weekly and monthly active people for every day of the window; stickiness",
            [_query("event", _NAME, "Count only this event (empty: any)")],
            _object(dau=_POINTS, wau=_POINTS, mau=_POINTS, stickiness=_NUMBER),
            _events("dau", "wau", "mau", "stickiness"),
        ),
        "/api/v1/metrics/retention": _get(
            "First-time retention: cohorts by their first start event, retained by period",
            [
                _query(
                    "start_event", _REQUIRED_NAME, "The event that starts a cohort", required=True
                ),
                _query(
                    "return_event",
                    _REQUIRED_NAME,
                    "The event that counts as a return",
                    required=True,
                ),
                _query("period", {"enum": ["", "day", "week", "month"]}, "Cohort period (week)"),
            ],
            _object(
                period={"enum": ["day", "week", "month"]},
                cohorts={
                    "type": "array",
                    "items": _object(
                        start={"type": "string"},
                        size=_INT,
                        retained={"type": "array", "items": _INT},
                    ),
                },
            ),
            _object(
                cohorts={
                    "type": "array",
                    "items": _object(start={"type": "string"}, size=EVENTS, retained=EVENTS),
                }
            ),
        ),
        "/api/v1/metrics/funnel": _get(
            "An ordered funnel: per step, people, conversion and median time from the previous",
            [
                _query(
                    "steps", _REQUIRED_NAME, "Event names, comma-separated, in order", required=True
                ),
                _query(
                    "window_days",
                    {"type": "integer", "minimum": 1, "maximum": 365},
                    "Days from step 1 (14)",
                ),
            ],
            _object(
                steps={
                    "type": "array",
                    "items": _object(
                        event={"type": "string"},
                        count=_INT,
                        conversion=_NUMBER,
                        median_seconds_from_previous=_NUMBER,
                    ),
                }
            ),
            _object(
                steps={
                    "type": "array",
                    "items": _object(event={"type": "string"}, **_EVENTS_FIELDS),
                }
            ),
        ),
        "/api/v1/metrics/time-to-value": _get(
            "People who signed up in the window, how many activated, the median time it took",
            [
                _query("signup_event", _NAME, "The signup event (signup)"),
                _query("activation_event", _REQUIRED_NAME, "The activation event", required=True),
            ],
            _object(users=_INT, activated=_INT, median_seconds=_NUMBER),
            _events("users", "activated"),
        ),
        "/api/v1/metrics/nps": _get(
            "Net Promoter Score of the event's 0-10 `score` answers",
            [_query("event", _NAME, "The survey event (nps)")],
            _object(nps=_NUMBER, responses=_INT, promoters=_INT, passives=_INT, detractors=_INT),
            _events("responses", "promoters", "passives", "detractors"),
        ),
        "/api/v1/metrics/csat": _get(
            "Customer satisfaction: % of the event's 1-5 `score` answers that are 4 or 5",
            [_query("event", _NAME, "The survey event (csat)")],
            _object(csat=_NUMBER, responses=_INT, satisfied=_INT),
            _events("responses", "satisfied"),
        ),
        "/api/v1/metrics/settings": _settings_path(),
    }
