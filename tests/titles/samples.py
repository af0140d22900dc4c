"""Real deliveries parsed by the real sources: what feed templates are applied to."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

from echodash.events import Event, EventDraft
from echodash.sources import source_class
from tests.support import GITHUB_FIXTURES, STRIPE_RESOURCES


def github(name: str) -> tuple[EventDraft, Any]:
    """The draft the GitHub source makes of a fixture (`pull_request/opened`), and its JSON."""
    body = (GITHUB_FIXTURES / f"{name}.payload.json").read_bytes()
    headers = {"x-github-event": name.split("/")[0], "content-type": "application/json"}
    (draft,) = source_class("github")().parse(headers, body)
    return draft, json.loads(body)


def stripe(event_type: str, resource: str) -> tuple[EventDraft, Any]:
    """The draft the Stripe source makes of a real resource in an event envelope."""
    obj = copy.deepcopy(json.loads(STRIPE_RESOURCES.read_text())["resources"][resource])
    envelope = {
        "id": "evt_1TestEvent",
        "object": "event",
        "type": event_type,
        "created": 1_700_000_000,
        "data": {"object": obj},
    }
    body = json.dumps(envelope).encode()
    (draft,) = source_class("stripe")().parse({"content-type": "application/json"}, body)
    return draft, envelope


def stored(draft: EventDraft, event_id: int, source: str) -> Event:
    """The draft as the store would hand it back."""
    moment = datetime(2024, 5, 1, 12, 0, tzinfo=UTC)
    return Event(
        id=event_id,
        workspace_id=1,
        endpoint_id=1,
        delivery_id=event_id,
        source=source,
        type=draft.type,
        title=draft.title,
        summary=draft.summary,
        actor=draft.actor,
        subject=draft.subject,
        url=draft.url,
        occurred_at=draft.occurred_at or moment,
        received_at=moment,
        severity=draft.severity,
        tags=draft.tags,
        fields=dict(draft.fields),
    )
