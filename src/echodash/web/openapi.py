"""The OpenAPI document of EchoDash's HTTP API (`GET /api/openapi.json`)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from echodash import __version__
from echodash.endpoint_admin import MAX_EXPIRY_SECONDS, MAX_NAME, MAX_SECRET
from echodash.events import Category, Origin, Outcome
from echodash.sources import source_classes
from echodash.web import openapi_alerts
from echodash.web.auth import require_token
from echodash.web.openapi_backfill import backfill_paths
from echodash.web.openapi_metrics import metric_paths
from echodash.web.openapi_parts import error as _error
from echodash.web.openapi_parts import json_content as _json
from echodash.web.openapi_parts import path_id as _path
from echodash.web.openapi_parts import query as _query
from echodash.web.openapi_parts import ref as _ref
from echodash.web.responses import json_response
from echodash.workspaces import MAX_NAME as MAX_WORKSPACE_NAME
from echodash.workspaces import MAX_RETENTION_DAYS, MIN_RETENTION_DAYS

_STR = {"type": "string"}
_NULLABLE_STR = {"type": ["string", "null"]}
_EVENT_FILTERS = [
    _query("source", _STR, "Source kind, e.g. github"),
    _query("type", _STR, "Exact event type, e.g. pull_request.closed"),
    _query(
        "endpoint",
        {"type": "string", "pattern": "^([1-9][0-9]{0,17})?$"},
        "Endpoint id (empty: any)",
    ),
    _query(
        "severity",
        {"enum": ["", "info", "success", "warning", "error", "critical"]},
        "Severity, exactly (empty: any)",
    ),
    _query(
        "severity_min",
        {"enum": ["", "info", "success", "warning", "error", "critical"]},
        "This severity or worse: info and success < warning < error < critical (empty: any)",
    ),
    _query("q", _STR, "Full-text search: every word must match (as a prefix)"),
    _query("since", _STR, "occurred_at ≥ since: ISO-8601 or Unix seconds/ms; empty: no bound"),
    _query("until", _STR, "occurred_at < until: ISO-8601 or Unix seconds/ms; empty: no bound"),
    _query(
        "category",
        {"enum": ["", *(c.value for c in Category)]},
        "Category (docs/events.md; empty: any)",
    ),
    _query("service", _STR, "Exact service, e.g. github:acme/web (empty: any)"),
    _query("environment", _STR, "Exact environment, e.g. production (empty: any)"),
    _query("outcome", {"enum": ["", *(o.value for o in Outcome)]}, "Outcome (empty: any)"),
    _query("origin", {"enum": ["", *(o.value for o in Origin)]}, "How it arrived (empty: any)"),
]
_AUTH_ERRORS = {"401": _error("Missing or invalid API token")}


def _workspace_paths() -> dict[str, Any]:
    workspace = {
        "type": "object",
        "required": ["id", "name", "retention_days", "created_at"],
        "properties": {
            "id": {"type": "integer"},
            "name": {"type": "string"},
            "retention_days": {"type": ["integer", "null"]},
            "created_at": {"type": "string", "format": "date-time"},
        },
    }
    return {
        "get": {
            "summary": "The token's workspace and its settings",
            "responses": {"200": _json(workspace, "The workspace"), **_AUTH_ERRORS},
        },
        "patch": {
            "summary": "Rename the workspace or change its retention (null keeps everything)",
            "requestBody": _json(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "minProperties": 1,
                    "properties": {
                        "name": {"type": "string", "minLength": 1, "maxLength": MAX_WORKSPACE_NAME},
                        "retention_days": {
                            "type": ["integer", "null"],
                            "minimum": MIN_RETENTION_DAYS,
                            "maximum": MAX_RETENTION_DAYS,
                        },
                    },
                },
                "Changes",
            ),
            "responses": {
                "200": _json(workspace, "Updated"),
                "400": _error("Invalid change"),
                **_AUTH_ERRORS,
            },
        },
    }


SCHEMAS: dict[str, Any] = {
    "Error": {
        "type": "object",
        "required": ["error", "detail"],
        "properties": {"error": _STR, "detail": _STR},
    },
    "Event": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "endpoint_id": {"type": ["integer", "null"]},
            "source": _STR,
            "type": _STR,
            "title": _STR,
            "summary": _STR,
            "actor": _NULLABLE_STR,
            "subject": _NULLABLE_STR,
            "url": _NULLABLE_STR,
            "occurred_at": {"type": "string", "format": "date-time"},
            "received_at": {"type": "string", "format": "date-time"},
            "severity": {"enum": ["info", "success", "warning", "error", "critical"]},
            "tags": {"type": "array", "items": _STR},
            "fields": {"type": "object"},
        },
    },
    "Endpoint": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"},
            "kind": _STR,
            "name": _STR,
            "slug": _STR,
            "url": _STR,
            "options": {"type": "object"},
            "created_at": {"type": "string", "format": "date-time"},
            "secrets": {"type": "array", "items": {"type": "object"}},
            "secret": {"type": "string", "description": "Shown only on creation and rotation"},
        },
    },
    "EndpointCreate": {
        "type": "object",
        "required": ["kind"],
        "properties": {
            "kind": {"enum": sorted(source_classes())},
            "name": {
                "type": ["string", "null"],
                "minLength": 1,
                "maxLength": MAX_NAME,
                "pattern": r"\S",
                "description": "Absent or null: the source's own name",
            },
            "secret": {
                "type": ["string", "null"],
                "minLength": 1,
                "maxLength": MAX_SECRET,
                "description": "Absent or null: a strong secret is generated",
            },
            "options": {
                "type": ["object", "null"],
                "description": "Source-specific; checked per kind (see docs/sources/<kind>.md)",
            },
        },
    },
    "Accepted": {
        "type": "object",
        "properties": {
            "status": {"const": "accepted"},
            "delivery_id": _STR,
            "duplicate": {"type": "boolean"},
        },
    },
    "CustomEvent": {
        "type": "object",
        "required": ["event"],
        "additionalProperties": False,
        "properties": {
            "event": {"type": "string", "minLength": 1, "maxLength": 200},
            "source": {"type": "string", "maxLength": 200},
            "distinct_id": {"type": "string", "maxLength": 200},
            "timestamp": {"type": "string", "format": "date-time"},
            "values": {"type": "object"},
            "properties": {"type": "object"},
            "id": {"type": "string", "maxLength": 200, "description": "Idempotency key"},
            "category": {"enum": [c.value for c in Category]},
            "service": {"type": "string", "minLength": 1, "maxLength": 200},
            "environment": {"type": "string", "minLength": 1, "maxLength": 200},
            "outcome": {"enum": [o.value for o in Outcome]},
            "commits": {
                "type": "array",
                "maxItems": 100,
                "items": {"type": "string", "minLength": 1, "maxLength": 100},
            },
        },
    },
}


def build_document() -> dict[str, Any]:
    endpoint_by_id = {
        "parameters": [_path("endpoint_id")],
        "get": {
            "summary": "One endpoint with delivery and rejection counts",
            "responses": {
                "200": _json(_ref("Endpoint"), "The endpoint"),
                "404": _error("Not in your workspace"),
                **_AUTH_ERRORS,
            },
        },
        "patch": {
            "summary": "Rename or reconfigure an endpoint",
            "requestBody": _json(
                {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "name": SCHEMAS["EndpointCreate"]["properties"]["name"],
                        "options": {"type": "object"},
                    },
                },
                "Changes",
            ),
            "responses": {
                "200": _json(_ref("Endpoint"), "Updated"),
                "400": _error("Invalid change"),
                "404": _error("Not found"),
                "409": _error("Another endpoint of the workspace has this name"),
                **_AUTH_ERRORS,
            },
        },
        "delete": {
            "summary": "Delete an endpoint (its events stay)",
            "responses": {
                "204": {"description": "Deleted"},
                "404": _error("Not found"),
                **_AUTH_ERRORS,
            },
        },
    }
    paths: dict[str, Any] = {
        "/in/{slug}": {
            "post": {
                "summary": "Receive one webhook delivery",
                "security": [],
                "parameters": [{"name": "slug", "in": "path", "required": True, "schema": _STR}],
                "requestBody": {
                    "content": {"*/*": {"schema": {"type": "string", "format": "binary"}}}
                },
                "responses": {
                    "202": _json(
                        _ref("Accepted"), "Stored durably (or a duplicate of a stored one)"
                    ),
                    "401": _error("Signature missing, wrong or expired"),
                    "404": _error("Unknown receive URL"),
                    "413": _error("Body over the limit"),
                    "429": _error("Rate limited"),
                    "503": _error("The store cannot commit; retry"),
                },
            }
        },
        "/healthz": {
            "get": {
                "summary": "Liveness and store health",
                "security": [],
                "responses": {"200": {"description": "ok"}, "503": _error("Store down")},
            }
        },
        "/metrics": {
            "get": {
                "summary": "Prometheus metrics",
                "responses": {
                    "200": {"description": "Prometheus text format"},
                    "401": _error("No valid API token"),
                },
            }
        },
        "/api/v1/endpoints": {
            "get": {
                "summary": "List endpoints",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "endpoints": {"type": "array", "items": _ref("Endpoint")}
                            },
                        },
                        "Endpoints",
                    ),
                    **_AUTH_ERRORS,
                },
            },
            "post": {
                "summary": "Create an endpoint (its secret is shown only in this answer)",
                "requestBody": _json(_ref("EndpointCreate"), "The endpoint"),
                "responses": {
                    "201": _json(_ref("Endpoint"), "Created"),
                    "400": _error("Invalid"),
                    "409": _error("Another endpoint of the workspace has this name"),
                    **_AUTH_ERRORS,
                },
            },
        },
        "/api/v1/endpoints/{endpoint_id}": endpoint_by_id,
        "/api/v1/endpoints/{endpoint_id}/secrets": {
            "post": {
                "summary": "Add a secret (rotation); optionally expire the others later",
                "parameters": [_path("endpoint_id")],
                "requestBody": _json(
                    {
                        "type": "object",
                        "properties": {
                            "secret": SCHEMAS["EndpointCreate"]["properties"]["secret"],
                            "expire_others_in": {
                                "type": ["integer", "null"],
                                "minimum": 0,
                                "maximum": MAX_EXPIRY_SECONDS,
                                "description": "Absent or null: the other secrets never expire",
                            },
                        },
                    },
                    "The new secret",
                ),
                "responses": {
                    "201": _json(_ref("Endpoint"), "Added"),
                    "400": _error("Invalid"),
                    "404": _error("Not found"),
                    **_AUTH_ERRORS,
                },
            }
        },
        "/api/v1/events": {
            "get": {
                "summary": "Events, newest first",
                "parameters": [
                    *_EVENT_FILTERS,
                    _query(
                        "limit",
                        {"type": "string", "pattern": "^(500|[1-4][0-9]{2}|[1-9][0-9]?)?$"},
                        "Page size, 1 to 500 (empty: 50)",
                    ),
                    _query("cursor", _STR, "next_cursor of the previous page"),
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {
                                "events": {"type": "array", "items": _ref("Event")},
                                "next_cursor": _NULLABLE_STR,
                            },
                        },
                        "A page of events",
                    ),
                    "400": _error("Bad parameter"),
                    **_AUTH_ERRORS,
                },
            },
            "post": {
                "summary": "Send custom events (one, or a batch of up to 10,000)",
                "parameters": [
                    {
                        "name": "Idempotency-Key",
                        "in": "header",
                        "required": False,
                        "schema": {"type": "string", "maxLength": 150},
                        "description": "Names the event (or, with `:<index>`, each of a batch)",
                    }
                ],
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {
                                "oneOf": [
                                    _ref("CustomEvent"),
                                    {
                                        "type": "object",
                                        "required": ["batch"],
                                        "additionalProperties": False,
                                        "properties": {
                                            "batch": {
                                                "type": "array",
                                                "minItems": 1,
                                                "maxItems": 10000,
                                                "items": _ref("CustomEvent"),
                                            }
                                        },
                                    },
                                ]
                            }
                        }
                    },
                },
                "responses": {
                    "202": _json(
                        {
                            "type": "object",
                            "required": ["status", "accepted", "duplicates"],
                            "properties": {
                                "status": {"type": "string"},
                                "accepted": {"type": "integer"},
                                "duplicates": {"type": "integer"},
                                "id": {"type": "string"},
                                "duplicate": {"type": "boolean"},
                            },
                        },
                        "Stored durably (all of them) before this answer",
                    ),
                    "400": _error("An event is invalid, or the batch too long; nothing stored"),
                    "413": _error("Body over the byte limit"),
                    **_AUTH_ERRORS,
                },
            },
        },
        "/api/v1/events/{event_id}": {
            "get": {
                "summary": "One event with its raw delivery",
                "parameters": [_path("event_id")],
                "responses": {
                    "200": _json(_ref("Event"), "The event, plus raw and delivery"),
                    "404": _error("Not found"),
                    **_AUTH_ERRORS,
                },
            }
        },
        "/api/v1/events/{event_id}/replay": {
            "post": {
                "summary": "Parse the event's stored delivery again into new events (admin)",
                "parameters": [_path("event_id")],
                "responses": {
                    "202": _json(
                        {
                            "type": "object",
                            "required": ["event_id", "event_ids"],
                            "properties": {
                                "event_id": {"type": ["integer", "null"]},
                                "event_ids": {"type": "array", "items": {"type": "integer"}},
                            },
                        },
                        "The new events' ids (the first as event_id)",
                    ),
                    "404": _error("No replayable event with this id"),
                    "403": _error("Only admins replay events"),
                    "410": _error("The stored delivery was pruned"),
                    **_AUTH_ERRORS,
                },
            }
        },
        "/api/v1/stream": {
            "get": {
                "summary": "New events as Server-Sent Events (resume with Last-Event-ID)",
                "parameters": [
                    *_EVENT_FILTERS,
                    _query(
                        "last_event_id",
                        {"type": "string", "pattern": "^[0-9]{0,18}$"},
                        "Resume after this event id (as the Last-Event-ID header)",
                    ),
                ],
                "responses": {
                    "200": {"description": "text/event-stream"},
                    "400": _error("Bad parameter"),
                    **_AUTH_ERRORS,
                },
            }
        },
        "/api/v1/workspace": _workspace_paths(),
        **openapi_alerts.alert_paths(),
        **metric_paths(),
        **backfill_paths(_AUTH_ERRORS),
    }
    for operations in paths.values():
        for name, operation in operations.items():
            if name != "parameters" and "400" not in operation["responses"]:
                operation["responses"]["400"] = _error("A parameter or the body is invalid")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "EchoDash",
            "version": __version__,
            "description": "Webhook ingestion, the unified event feed and its live stream.",
        },
        "servers": [{"url": "/"}],
        "components": {
            "schemas": {**SCHEMAS, **openapi_alerts.SCHEMAS},
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
        "security": [{"bearer": []}],
        "paths": paths,
    }


_DOCUMENT = build_document()


async def openapi(request: Request) -> Response:
    await require_token(request)
    return json_response(_DOCUMENT)
