"""Events for the alert tests, built as the store would hand them over."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any

from echodash.events import Category, Event, Outcome, Severity

T0 = datetime(2026, 11, 2, 9, 0, tzinfo=UTC)  # a Monday
_IDS = itertools.count(1)


def event(
    type: str = "workflow_run.completed",
    *,
    at: datetime = T0,
    source: str = "github",
    category: Category = Category.OTHER,
    service: str | None = None,
    environment: str | None = None,
    outcome: Outcome | None = None,
    severity: Severity = Severity.INFO,
    commits: tuple[str, ...] = (),
    fields: dict[str, Any] | None = None,
    endpoint_id: int = 1,
    title: str = "",
) -> Event:
    return Event(
        id=next(_IDS),
        workspace_id=1,
        endpoint_id=endpoint_id,
        delivery_id=None,
        source=source,
        type=type,
        title=title or type,
        summary="",
        actor="octocat",
        subject=None,
        url=None,
        occurred_at=at,
        received_at=at,
        severity=severity,
        tags=(),
        fields=fields or {},
        category=category,
        service=service,
        environment=environment,
        outcome=outcome,
        commits=commits,
    )
