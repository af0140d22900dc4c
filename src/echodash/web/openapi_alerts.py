"""The alerts part of the OpenAPI document: rules, dry runs, alerts and linked services.

Request schemas say no more than `parse_rule` and the routes check (a body the document
calls invalid is always refused); the routes check more than a schema can say (a `where`
condition's value for its op, e-mail addresses), answering 400 with the field's path.
"""

from __future__ import annotations

from typing import Any

from echodash.alerts.rules import (
    LONGEST_SUSPECT_WINDOW,
    MAX_ACTIONS,
    MAX_NAME,
    MAX_WHERE,
    MAX_WINDOW,
    OPS,
)
from echodash.events import Category, Outcome, Severity
from echodash.web.api.linked_services import MAX_MEMBER, MAX_MEMBERS, MAX_SERVICES
from echodash.web.api.linked_services import MAX_NAME as MAX_SERVICE_NAME
from echodash.web.openapi_parts import STR as _STR
from echodash.web.openapi_parts import error as _error
from echodash.web.openapi_parts import json_content as _json
from echodash.web.openapi_parts import path_id as _path
from echodash.web.openapi_parts import query as _query
from echodash.web.openapi_parts import ref as _ref

_TIME = {"type": "string", "format": "date-time"}
_NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}


def _text(limit: int) -> dict[str, Any]:
    return {"type": "string", "minLength": 1, "maxLength": limit}


def _seconds(minimum: int, maximum: int = MAX_WINDOW) -> dict[str, Any]:
    return {"type": ["integer", "null"], "minimum": minimum, "maximum": maximum}


_MATCH = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "source": _text(40),
        "endpoint": {"type": "integer", "minimum": 1, "maximum": 2**62 - 1},
        "type": {**_text(200), "description": "Exact, or a glob: workflow_run.*"},
        "category": {"enum": [c.value for c in Category]},
        "service": {**_text(300), "description": "Exact, or a glob: github:acme/*"},
        "environment": _text(100),
        "outcome": {"enum": [o.value for o in Outcome]},
        "severity": {
            "enum": [s.value for s in Severity],
            "description": "warning, error, critical: this or graver",
        },
        "where": {
            "type": "array",
            "maxItems": MAX_WHERE,
            "items": {
                "type": "object",
                "required": ["field", "op"],
                "additionalProperties": False,
                "properties": {
                    "field": {
                        **_text(200),
                        "description": "A dotted path into the delivery's JSON body, "
                        "or event.<attribute>",
                    },
                    "op": {"enum": list(OPS)},
                    "value": {"description": "Required except for exists"},
                },
            },
        },
    },
}
_CONDITION = {
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {"enum": ["every", "count", "absence", "anomaly"]},
        "threshold": {"type": "integer", "minimum": 1, "maximum": 1_000_000},
        "window_seconds": {"type": "integer", "minimum": 1, "maximum": MAX_WINDOW},
        "factor": {"type": "number", "exclusiveMinimum": 0, "maximum": 1000},
        "min_count": {"type": "integer", "minimum": 1},
    },
}
_ACTION = {
    "type": "object",
    "required": ["kind"],
    "properties": {
        "kind": {"enum": ["webhook", "apprise", "email", "browser"]},
        "url": _text(2000),
        "secret": {
            "type": "string",
            "pattern": "^whsec_",
            "maxLength": 200,
            "description": "Shown as whsec_… in answers; sending that back keeps the saved one",
        },
        "to": {"type": "array", "minItems": 1, "maxItems": 50, "items": _STR},
    },
}
_RULE_FIELDS: dict[str, Any] = {
    "name": _text(MAX_NAME),
    "match": _MATCH,
    "condition": _CONDITION,
    "actions": {"type": "array", "maxItems": MAX_ACTIONS, "items": _ACTION},
    "repeat_seconds": _seconds(60),
    "muted_until": {"type": ["string", "null"], "maxLength": 40, "description": "ISO-8601"},
    "group_by": {"enum": ["service", None]},
    "resolve_after_seconds": _seconds(0),
    "suspect_window_seconds": _seconds(0, LONGEST_SUSPECT_WINDOW),
    "enabled": {"type": "boolean"},
    "maintenance": {
        "type": ["array", "null"],
        "maxItems": 20,
        "description": "Maintenance windows: alerts open but notify nobody inside them",
        "items": {
            "type": "object",
            "required": ["start", "end"],
            "additionalProperties": False,
            "properties": {
                "days": {
                    "type": "array",
                    "items": _STR,
                    "description": "mon … sun; none: every day",
                },
                "start": {"type": "string", "description": "Local clock time, 22:00"},
                "end": {"type": "string", "description": "Before start: runs past midnight"},
                "timezone": {"type": "string", "description": "IANA name; default UTC"},
            },
        },
    },
}

SCHEMAS: dict[str, Any] = {
    "RuleCreate": {
        "type": "object",
        "required": ["name", "condition"],
        "additionalProperties": False,
        "properties": _RULE_FIELDS,
    },
    "RuleChange": {
        "type": "object",
        "additionalProperties": False,
        "description": "Top-level keys replace the saved ones; null removes an optional one",
        "properties": {
            **{k: {"anyOf": [v, {"type": "null"}]} for k, v in _RULE_FIELDS.items()},
            "enabled": {"type": "boolean"},
        },
    },
    "RuleTry": {
        "type": "object",
        "required": ["condition"],
        "additionalProperties": False,
        "properties": _RULE_FIELDS,
    },
    "Rule": {
        "type": "object",
        "required": ["id", "name", "match", "condition", "actions", "enabled"],
        "properties": {
            "id": {"type": "integer"},
            "name": _STR,
            "match": {"type": "object"},
            "condition": {"type": "object"},
            "actions": {"type": "array", "items": {"type": "object"}},
            "enabled": {"type": "boolean"},
            "maintenance": {"type": "array", "items": {"type": "object"}},
            "created_at": _TIME,
            "updated_at": _TIME,
        },
    },
    "Attempt": {
        "type": "object",
        "required": ["at", "ok", "status_code", "detail", "seconds"],
        "properties": {
            "at": _TIME,
            "ok": {"type": "boolean"},
            "status_code": {"type": ["integer", "null"]},
            "detail": {"type": "string", "description": "The answer's start, or the error"},
            "seconds": {"type": "number"},
            "alert_id": {"type": "integer"},
            "action": {"type": "integer"},
            "kind": {"type": "string"},
        },
    },
    "DryRun": {
        "type": "object",
        "required": ["would_fire", "moments", "truncated"],
        "properties": {
            "would_fire": {"type": "integer"},
            "moments": {"type": "array", "items": _TIME},
            "matched": {"type": "integer"},
            "scanned": {"type": "integer"},
            "truncated": {
                "type": "boolean",
                "description": "Too many events to read: only those from `since` on count",
            },
            "since": _TIME,
            "until": _TIME,
        },
    },
    "Alert": {
        "type": "object",
        "required": ["id", "rule_id", "status", "opened_at", "resolved_at", "event_count"],
        "properties": {
            "id": {"type": "integer"},
            "rule_id": {"type": "integer"},
            "rule_name": {"type": ["string", "null"]},
            "status": {"enum": ["firing", "acknowledged", "resolved"]},
            "reason": _STR,
            "group": {"type": ["string", "null"]},
            "opened_at": _TIME,
            "acknowledged_at": _NULLABLE_TIME,
            "resolved_at": _NULLABLE_TIME,
            "event_count": {"type": "integer"},
            "events": {"type": "array", "items": {"type": "integer"}},
            "suspects": {
                "type": "array",
                "description": "Events, each with reason and score, best first",
                "items": {
                    "allOf": [
                        _ref("Event"),
                        {
                            "type": "object",
                            "required": ["reason", "score"],
                            "properties": {"reason": _STR, "score": {"type": "number"}},
                        },
                    ]
                },
            },
            "timeline": {"type": "array", "items": {"type": "object"}},
        },
    },
    "Services": {
        "type": "object",
        "required": ["services"],
        "additionalProperties": False,
        "properties": {
            "services": {
                "type": "array",
                "maxItems": MAX_SERVICES,
                "items": {
                    "type": "object",
                    "required": ["name", "members"],
                    "additionalProperties": False,
                    "properties": {
                        "name": _text(MAX_SERVICE_NAME),
                        "members": {
                            "type": "array",
                            "minItems": 1,
                            "maxItems": MAX_MEMBERS,
                            "items": {
                                "type": "string",
                                "maxLength": MAX_MEMBER,
                                "pattern": "^[^:]+:.+",
                                "description": "kind:name, as events name services",
                            },
                        },
                    },
                },
            }
        },
    },
}

_AUTH = {"401": _error("Missing or invalid API token")}
_SPAN = [
    {
        "name": name,
        "in": "query",
        "required": False,
        "schema": _STR,
        "description": description,
    }
    for name, description in (
        ("since", "Start (ISO-8601 or Unix seconds/ms); default: 7 days before until"),
        ("until", "End, excluded; default: now. At most 90 days after since"),
    )
]


def _rule_paths() -> dict[str, Any]:
    rule = _json(_ref("Rule"), "The rule (webhook secrets hidden)")
    forbidden = _error("Only admins change rules")
    return {
        "/api/v1/rules": {
            "get": {
                "summary": "Alert rules, oldest first",
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "properties": {"rules": {"type": "array", "items": _ref("Rule")}},
                        },
                        "Rules",
                    ),
                    **_AUTH,
                },
            },
            "post": {
                "summary": "Create an alert rule (admin)",
                "requestBody": _json(_ref("RuleCreate"), "The rule"),
                "responses": {
                    "201": rule,
                    "400": _error("Invalid: the detail names the field"),
                    "403": forbidden,
                    "409": _error("Another rule of the workspace has this name"),
                    "413": _error("Body over 64 KiB"),
                    **_AUTH,
                },
            },
        },
        "/api/v1/rules/test": {
            "post": {
                "summary": "Dry run of an unsaved rule over stored events; notifies nobody",
                "parameters": _SPAN,
                "requestBody": _json(_ref("RuleTry"), "The rule (name optional)"),
                "responses": {
                    "200": _json(_ref("DryRun"), "When it would have fired"),
                    "400": _error("Invalid rule or span"),
                    "413": _error("Body over 64 KiB"),
                    **_AUTH,
                },
            }
        },
        "/api/v1/rules/{rule_id}": {
            "parameters": [_path("rule_id")],
            "get": {
                "summary": "One alert rule",
                "responses": {"200": rule, "404": _error("Not in your workspace"), **_AUTH},
            },
            "patch": {
                "summary": "Change a rule (admin): top-level keys replace the saved ones",
                "requestBody": _json(_ref("RuleChange"), "Changes"),
                "responses": {
                    "200": rule,
                    "400": _error("Invalid: the detail names the field"),
                    "403": forbidden,
                    "404": _error("Not in your workspace"),
                    "409": _error("Another rule of the workspace has this name"),
                    "413": _error("Body over 64 KiB"),
                    **_AUTH,
                },
            },
            "delete": {
                "summary": "Delete a rule (admin); its alerts stay, resolved",
                "responses": {
                    "204": {"description": "Deleted"},
                    "403": forbidden,
                    "404": _error("Not in your workspace"),
                    **_AUTH,
                },
            },
        },
        "/api/v1/rules/{rule_id}/test": {
            "post": {
                "summary": "Dry run of a saved rule over stored events; notifies nobody",
                "parameters": [_path("rule_id"), *_SPAN],
                "responses": {
                    "200": _json(_ref("DryRun"), "When it would have fired"),
                    "404": _error("Not in your workspace"),
                    **_AUTH,
                },
            }
        },
        "/api/v1/rules/{rule_id}/attempts": {
            "get": {
                "summary": "The rule's notification attempts, newest first, with each answer",
                "parameters": [_path("rule_id")],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["attempts"],
                            "properties": {"attempts": {"type": "array", "items": _ref("Attempt")}},
                        },
                        "Attempts",
                    ),
                    "404": _error("Not in your workspace"),
                    **_AUTH,
                },
            }
        },
        "/api/v1/rules/{rule_id}/actions/{index}/test": {
            "post": {
                "summary": "Send a test notification to one of the rule's actions now (admin)",
                "parameters": [
                    _path("rule_id"),
                    {
                        "name": "index",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[0-9]{1,3}$"},
                        "description": "The action's place in the rule's actions, from 0",
                    },
                ],
                "responses": {
                    "200": _json(_ref("Attempt"), "How the test went"),
                    "403": forbidden,
                    "404": _error("Not in your workspace, or no such action"),
                    "503": _error("Notifications are not running yet"),
                    **_AUTH,
                },
            }
        },
    }


def _alert_paths() -> dict[str, Any]:
    alert = _json(_ref("Alert"), "The alert")
    missing = _error("Not in your workspace")
    return {
        "/api/v1/alerts": {
            "get": {
                "summary": "Alerts, newest first",
                "parameters": [
                    _query(
                        "status",
                        {"enum": ["", "firing", "acknowledged", "resolved"]},
                        "Only this status (empty: any)",
                    ),
                    _query(
                        "rule_id",
                        {"type": "string", "pattern": "^([1-9][0-9]{0,17})?$"},
                        "Only this rule's (empty: any)",
                    ),
                    _query(
                        "limit",
                        {"type": "string", "pattern": "^(100|[1-9][0-9]?)?$"},
                        "Page size, 1 to 100 (empty: 50)",
                    ),
                    _query("cursor", _STR, "next_cursor of the previous page"),
                ],
                "responses": {
                    "200": _json(
                        {
                            "type": "object",
                            "required": ["alerts", "next_cursor"],
                            "properties": {
                                "alerts": {"type": "array", "items": _ref("Alert")},
                                "next_cursor": {"type": ["string", "null"]},
                            },
                        },
                        "A page of alerts",
                    ),
                    **_AUTH,
                },
            }
        },
        "/api/v1/alerts/{alert_id}": {
            "get": {
                "summary": "One alert with its timeline",
                "parameters": [_path("alert_id")],
                "responses": {"200": alert, "404": missing, **_AUTH},
            }
        },
        "/api/v1/alerts/{alert_id}/ack": {
            "post": {
                "summary": "Acknowledge a firing alert (any member)",
                "parameters": [_path("alert_id")],
                "responses": {"200": alert, "404": missing, **_AUTH},
            }
        },
        "/api/v1/alerts/{alert_id}/resolve": {
            "post": {
                "summary": "Resolve an open alert (any member)",
                "parameters": [_path("alert_id")],
                "responses": {"200": alert, "404": missing, **_AUTH},
            }
        },
    }


def _services_paths() -> dict[str, Any]:
    services = _json(_ref("Services"), "The workspace's linked services")
    return {
        "/api/v1/services": {
            "get": {"summary": "Linked services", "responses": {"200": services, **_AUTH}},
            "put": {
                "summary": "Replace the linked services (admin)",
                "requestBody": _json(_ref("Services"), "Every linked service"),
                "responses": {
                    "200": services,
                    "400": _error("Invalid: the detail names the field"),
                    "403": _error("Only admins change linked services"),
                    "413": _error("Body over 256 KiB"),
                    **_AUTH,
                },
            },
        }
    }


def alert_paths() -> dict[str, Any]:
    return {**_rule_paths(), **_alert_paths(), **_services_paths()}
