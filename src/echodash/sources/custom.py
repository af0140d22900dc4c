"""`custom`: a team's own product events, sent with an API token to `POST /api/v1/events`
(or loaded with `echodash import`), never to a receive URL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from echodash.events import EventDraft, FieldValue, Severity
from echodash.sources.base import Guide, Headers, SignatureError, Source
from echodash.sources.payload import line, link, load_json_quietly, not_an_object

MAX_FIELDS = 20
_SEVERITIES = {s.value: s for s in Severity}


def _flatten(values: dict[str, Any], prefix: str = "") -> dict[str, FieldValue]:
    """Scalar values by dotted path (nested objects flattened, lists left out)."""
    flat: dict[str, FieldValue] = {}
    for key, value in values.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, path + "."))
        elif isinstance(value, str):
            flat[path] = value if len(value) <= 200 else value[:199] + "…"
        elif value is None or isinstance(value, bool | int | float):
            flat[path] = value
        if len(flat) >= MAX_FIELDS:
            break
    return dict(list(flat.items())[:MAX_FIELDS])


class CustomSource(Source):
    kind = "custom"
    name = "Custom events"
    order = 120
    icon = (
        '<path d="M7.6 1.5h8.8l6.1 6.1v8.8l-6.1 6.1H7.6l-6.1-6.1V7.6z" fill="currentColor"/>'
        '<path d="M9.5 7.5c-1.5 0-2 .7-2 2v.8c0 1-.5 1.7-1.5 1.7 1 0 1.5.7 1.5 1.7v.8c0 1.3.5 2 '
        '2 2M14.5 7.5c1.5 0 2 .7 2 2v.8c0 1 .5 1.7 1.5 1.7-1 0-1.5.7-1.5 1.7v.8c0 1.3-.5 2-2 2" '
        'fill="none" style="stroke:var(--src-ink,#fff)" stroke-width="1.9" '
        'stroke-linecap="round" stroke-linejoin="round"/>'
    )
    colour = ("#4d7c0f", "#a3e635")
    guide = Guide(
        "Your own code, with an API token (Settings → API tokens)",
        (
            "Send events to POST /api/v1/events with Authorization: Bearer <token>, not to "
            "this endpoint's receive URL (it refuses everything).",
            "Example: curl -H 'Authorization: Bearer <token>' "
            "https://<your EchoDash>/api/v1/events "
            '-d \'{{"event": "Signed up", "distinct_id": "u_1"}}\'',
        ),
    )
    requires_secret = False

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        # Custom events come through the API with a token; the endpoint's receive URL takes
        # nothing, so knowing it is worth nothing.
        raise SignatureError(
            "use_the_api", "custom events go to POST /api/v1/events with an API token"
        )

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        return None

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        # What the API and `echodash import` stored is checked already; anything else still
        # becomes a readable line rather than an error.
        doc = load_json_quietly(headers, body)
        if not isinstance(doc, dict):
            return [not_an_object("Custom events", doc)]
        name = line(doc.get("event"), 200)
        if name is None:
            return [EventDraft(type="unknown", title="A custom event without a name")]
        values = doc.get("values") if isinstance(doc.get("values"), dict) else {}
        assert isinstance(values, dict)
        distinct_id = line(doc.get("distinct_id"), 200)
        fields = _flatten(values)
        if distinct_id is not None:
            fields = {"distinct_id": distinct_id, **fields}
        level = values.get("severity", values.get("level"))
        severity = (
            _SEVERITIES.get(level.lower(), Severity.INFO)
            if isinstance(level, str)
            else (Severity.INFO)
        )
        return [
            EventDraft(
                type=name,
                title=f"{distinct_id} {name}" if distinct_id else name,
                actor=distinct_id,
                subject=line(doc.get("source"), 200),
                url=link(values.get("url")),
                occurred_at=_when(doc.get("timestamp")),
                severity=severity,
                tags=("custom",),
                fields=dict(list(fields.items())[:MAX_FIELDS]),
            )
        ]


def _when(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None
