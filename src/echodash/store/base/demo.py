"""The demo part of the Store interface: what the demo company added to a workspace, marked
record by record, and its removal — exactly those records, nothing a user added."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Literal

# endpoint, rule, token: `ref` is the record's id. custom: the delivery-key prefix of the
# demo's custom events (they share the workspace's custom endpoint with the user's own).
# name: the workspace's name before the demo renamed it.
DemoKind = Literal["endpoint", "rule", "token", "custom", "name"]


@dataclass(frozen=True, slots=True)
class DemoRemoval:
    """How many of each the removal deleted (tokens are revoked, the name restored)."""

    events: int
    deliveries: int
    endpoints: int
    rules: int
    alerts: int
    facts: int
    tokens: int


class DemoStore(ABC):
    @abstractmethod
    async def mark_demo(self, workspace_id: int, kind: DemoKind, ref: str) -> None:
        """Record that this record (or key prefix, or former name) belongs to the demo."""

    @abstractmethod
    async def demo_marks(self, workspace_id: int) -> dict[str, list[str]]:
        """The workspace's demo marks by kind (no entry: no such mark)."""

    @abstractmethod
    async def remove_demo(self, workspace_id: int) -> DemoRemoval:
        """Delete in one transaction the demo's endpoints with their deliveries, events and
        secrets; its custom events; its rules with their alerts (and those alerts' feed
        items); the metric facts of every deleted event; revoke its tokens; give the workspace
        back its former name (when it still has the demo's); and forget the marks."""
