"""Sentry's payload reader: the resource (`Sentry-Hook-Resource`), the body's `action`, and
the resource's object under `data`."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from echodash.sources.kit.payload import PayloadReader

# Where a delivery names its project: an issue's project, a comment's, a metric alert rule's
# first project. Error and event-alert payloads name only the project's numeric id.
PROJECT_PATHS = (
    "data.issue.project.slug",
    "data.project_slug",
    "data.metric_alert.alert_rule.projects.0",
)


@dataclass(frozen=True, slots=True)
class Payload(PayloadReader):
    """One Sentry delivery: its resource (`issue`, `metric_alert`…) and JSON object."""

    resource: str
    body: dict[str, Any]

    @property
    def action(self) -> str | None:
        """What happened to the resource: `created`, `resolved`, `triggered`…"""
        return self.text("action", 60)

    @property
    def type(self) -> str:
        """`<resource>.<action>`, e.g. `issue.resolved` (the resource alone without one)."""
        return ".".join(part for part in (self.resource, self.action) if part)

    def keys(self) -> tuple[str, ...]:
        """Builders are filed by resource; a few by type."""
        return (self.type, self.resource)

    def obj(self, path: str) -> dict[str, Any]:
        found = self.get(path)
        return found if isinstance(found, dict) else {}

    @property
    def actor(self) -> str | None:
        return self.first("actor.name", "actor.id", limit=80) if self.obj("actor") else None

    @property
    def project(self) -> str | None:
        """The project's slug, where the payload names it."""
        return self.first(*PROJECT_PATHS, limit=80)

    @property
    def subject(self) -> str | None:
        return self.project or self.first(
            "data.issue.project.name",
            "data.event.project",
            "data.error.project",
            "data.installation.organization.slug",
            limit=80,
        )

    @property
    def service(self) -> str | None:
        """`sentry:<project slug>`."""
        return f"sentry:{self.project}" if self.project else None

    @property
    def environment(self) -> str | None:
        """A metric alert rule's environment, or the environment an event was seen in."""
        return self.first(
            "data.metric_alert.alert_rule.environment",
            "data.event.environment",
            "data.error.environment",
            limit=100,
        )
