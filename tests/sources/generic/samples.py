"""Deliveries any tool might send to a default endpoint (a bearer token): JSON with an
`event` or `type`, a form, a batch of alerts, and a body that is not JSON."""

from __future__ import annotations

TOKEN = "whk_2f8c0a7d4e1b9a6c3f5d8e0b7a4c1d9e"
_JSON = {"authorization": f"Bearer {TOKEN}", "content-type": "application/json"}
_FORM = {"authorization": TOKEN, "content-type": "application/x-www-form-urlencoded"}

SAMPLES: list[tuple[dict[str, str], bytes]] = [
    (_JSON, b'{"event": "deploy.finished", "status": "success", "service": "api"}'),
    (
        _JSON,
        b'{"event": "backup.failed", "host": "db-1", "message": "disk full", "ts": 1714567890}',
    ),
    (_FORM, b"event=contact&name=Ann+Lee&email=ann%40example.com&message=Hi"),
    (
        _JSON,
        b'{"receiver": "echodash", "status": "firing", "alerts": [{"status": "firing", '
        b'"labels": {"alertname": "HighLatency", "severity": "warning", "service": "api"}, '
        b'"annotations": {"summary": "p99 latency over 2s"}, '
        b'"startsAt": "2024-05-01T10:00:00Z"}], "groupKey": "{}:{alertname=\\"HighLatency\\"}", '
        b'"version": "4"}',
    ),
    (_JSON, b'{"title": "Hello from curl"}'),
    ({"authorization": TOKEN, "content-type": "text/plain"}, b"nightly job done"),
]
