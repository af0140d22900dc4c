"""Custom events as EchoDash stores them (made by the API's own checks, so byte-for-byte
what `POST /api/v1/events` keeps): product events, with and without the service and
environment they name."""

from __future__ import annotations

from datetime import UTC, datetime

from echodash.custom_events import parse_custom_event

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)
_HEADERS = {"content-type": "application/json"}

EVENTS = [
    {
        "event": "Signed up",
        "distinct_id": "u_1001",
        "source": "web-app",
        "properties": {"plan": "team", "referrer": "ads"},
    },
    {
        "event": "Upgraded plan",
        "distinct_id": "u_1001",
        "timestamp": "2026-10-01T09:30:00Z",
        "values": {"plan": "business", "seats": 12, "billing": {"interval": "year"}},
        "id": "evt-upgrade-1001",
    },
    {
        "event": "Export failed",
        "distinct_id": "u_7",
        "service": "exporter",
        "environment": "production",
        "values": {"severity": "error", "format": "csv", "url": "https://app.example.com/x/1"},
    },
    {"event": "Invited a teammate", "service": "web-app", "values": {"role": "member"}},
]

SAMPLES: list[tuple[dict[str, str], bytes]] = [
    (_HEADERS, parse_custom_event(event, NOW).body()) for event in EVENTS
]
