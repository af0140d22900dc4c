"""Linear's payload reader: one delivery's `type`, `action`, `data` and `actor`."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from echodash.events import EventDraft
from echodash.sources.kit.payload import PayloadReader, line, parse_time

_VERBS = {"create": "created", "update": "updated", "remove": "deleted"}
# Where each model names the thing it is about (the `subject`); the rest name a team.
_SUBJECTS = {
    "Project": ("data.name",),
    "ProjectUpdate": ("data.project.name",),
    "Initiative": ("data.name",),
    "InitiativeUpdate": ("data.initiative.name",),
    "Document": ("data.project.name", "data.initiative.name"),
    "Customer": ("data.name",),
    "CustomerNeed": ("data.customer.name",),
}
# Where a team's key is found: on the item, on its issue, on an SLA's issue (docs/events.md).
TEAM_PATHS = ("data.team.key", "data.issue.team.key", "issueData.team.key")
_TEAM_NAMES = (*TEAM_PATHS, "data.team.name", "data.issue.team.name", "issueData.team.name")
# An issue's identifier in a link to it: https://linear.app/acme/issue/ENG-12/fix-login-bug
_ISSUE_LINK = re.compile(r"https://linear\.app/[^/]+/issue/([A-Za-z0-9]{1,10}-\d{1,9})(?:[/#?]|$)")


@dataclass(frozen=True, slots=True)
class Change(PayloadReader):
    """One Linear delivery: `type` (the model), `action`, `data`, `actor`, `updatedFrom`."""

    body: dict[str, Any]

    @property
    def model(self) -> str:
        return line(self.body.get("type"), 60) or "unknown"

    @property
    def action(self) -> str | None:
        return line(self.body.get("action"), 60)

    @property
    def type(self) -> str:
        return f"{self.model}.{self.action}" if self.action else self.model

    def keys(self) -> tuple[str, ...]:
        """Builders are filed by model (`Issue`); each reads the action itself."""
        return (self.type, self.model)

    @property
    def data(self) -> dict[str, Any]:
        data = self.body.get("data")
        return data if isinstance(data, dict) else {}

    @property
    def previous(self) -> dict[str, Any]:
        """`updatedFrom`: the old values of the fields an update changed."""
        found = self.body.get("updatedFrom")
        return found if isinstance(found, dict) else {}

    @property
    def verb(self) -> str:
        action = self.action or "changed"
        return _VERBS.get(action, action.replace("_", " "))

    @property
    def actor(self) -> str | None:
        if isinstance(self.body.get("actor"), dict):
            return self.text("actor.name", 80) or self.text("actor.email", 80)
        # Older payloads carry no actor: the item's author stands in.
        return self.text("data.user.name", 80) or self.text("data.creator.name", 80)

    @property
    def team(self) -> str | None:
        return next((found for path in TEAM_PATHS if (found := self.text(path, 40))), None)

    @property
    def subject(self) -> str | None:
        paths = _SUBJECTS.get(self.model, _TEAM_NAMES)
        return next((found for path in paths if (found := self.text(path, 80))), None)

    @property
    def service(self) -> str | None:
        """`linear:<team key>` where the payload names a team (docs/events.md)."""
        return f"linear:{self.team}" if self.team else None

    def home(self) -> str | None:
        return self.link("url", "data.url")

    @property
    def when(self) -> datetime | None:
        return (
            parse_time(self.body.get("createdAt"))
            or parse_time(self.data.get("updatedAt"))
            or parse_time(self.body.get("webhookTimestamp"))
        )

    def issue_id(self, *paths: str) -> str | None:
        """An issue's identifier (`ENG-12`): from `paths`, else from a link to the issue."""
        for path in paths:
            found = self.text(path, 40)
            if found:
                return found
        for value in (self.body.get("url"), self.data.get("url")):
            if isinstance(value, str) and (match := _ISSUE_LINK.match(value)):
                return match.group(1)
        return None

    def draft(self, title: str, **more: Any) -> EventDraft:
        """The event, dated by the change unless the builder says otherwise."""
        more.setdefault("occurred_at", self.when)
        return PayloadReader.draft(self, title, **more)
