"""The backfill part of the OpenAPI document: starting a history import for an endpoint and
reading its progress (specs/api.md, "Backfill")."""

from __future__ import annotations

from typing import Any

from echodash.web.openapi_parts import error as _error
from echodash.web.openapi_parts import json_content as _json
from echodash.web.openapi_parts import path_id as _path

_TEXT = {"type": "string", "minLength": 1, "maxLength": 2000, "pattern": r"\S"}
_COUNT = {"type": "integer", "minimum": 0}

START = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "since": {**_TEXT, "description": "How far back: `90d` or an ISO-8601 date"},
        "api_url": {
            **_TEXT,
            "description": "The tool's API root (GitHub Enterprise Server, self-managed GitLab…)",
        },
        "token": {**_TEXT, "description": "Read token; stored sealed, never shown again"},
        "repo": {
            **_TEXT,
            "description": "GitHub: OWNER/NAME; GitLab: GROUP/NAME (default: the endpoint's name)",
        },
    },
}
PROGRESS = {
    "type": "object",
    "required": ["id", "endpoint_id", "status", "items", "events_added", "duplicates"],
    "properties": {
        "id": {"type": "integer"},
        "endpoint_id": {"type": "integer"},
        "status": {"enum": ["running", "done", "failed"]},
        "items": _COUNT,
        "events_added": _COUNT,
        "duplicates": _COUNT,
        "error": {"type": "string"},
    },
}


def backfill_paths(auth_errors: dict[str, Any]) -> dict[str, Any]:
    return {
        "/api/v1/endpoints/{endpoint_id}/backfill": {
            "post": {
                "summary": "Import the endpoint's history from its tool's API, in the "
                "background (admin)",
                "parameters": [_path("endpoint_id")],
                "requestBody": {
                    "required": False,
                    "content": {"application/json": {"schema": START}},
                },
                "responses": {
                    "202": _json(
                        {
                            "type": "object",
                            "required": ["id", "status"],
                            "properties": {
                                "id": {"type": "integer"},
                                "status": {"enum": ["running", "done", "failed"]},
                            },
                        },
                        "The import started (or the same one already running)",
                    ),
                    "400": _error("It cannot start: the kind, repo, since or api_url"),
                    "403": _error("Only admins import history"),
                    "404": _error("No endpoint with this id in your workspace"),
                    **auth_errors,
                },
            }
        },
        "/api/v1/backfills/{backfill_id}": {
            "get": {
                "summary": "A history import's progress",
                "parameters": [_path("backfill_id")],
                "responses": {
                    "200": _json(PROGRESS, "Its status and counts"),
                    "404": _error("No import with this id in your workspace"),
                    **auth_errors,
                },
            }
        },
    }
