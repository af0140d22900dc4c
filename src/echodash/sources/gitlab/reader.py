"""GitLab's payload reader: one delivery's kind (`object_kind`, or a system hook's
`event_name`) and JSON object, with safe accessors and GitLab's time formats."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from echodash.sources.kit.payload import PayloadReader, line
from echodash.sources.kit.text import moment as iso_moment

# GitLab writes times as ISO-8601, as `2016-08-12 15:23:28 UTC` or as `… 21:50:00 +0200`.
_SPACED_OFFSET = re.compile(r"\s+([+-]\d{2}):?(\d{2})$")
# `object_kind` values that read better under another name (the job event is `build`).
KIND_NAMES = {"build": "job"}
# Kinds whose type is the kind alone (a push has no action).
_BARE_KINDS = frozenset({"push", "tag_push"})
# Where a delivery names what it is about, in the order tried: a project (webhooks, most
# system hooks), a project member's project, a group (group and group member events).
SERVICE_PATHS = (
    "project.path_with_namespace",
    "path_with_namespace",
    "project_path_with_namespace",
    "group.full_path",
    "full_path",
    "group.group_path",
    "group_path",
)


def moment(value: Any) -> datetime | None:
    """A UTC datetime from any of GitLab's time formats; None when unusable."""
    if isinstance(value, str):
        raw = value.strip()
        if raw.endswith(" UTC"):
            raw = raw[:-4] + "+00:00"
        value = _SPACED_OFFSET.sub(r"\1:\2", raw)
    return iso_moment(value)


@dataclass(frozen=True, slots=True)
class Payload(PayloadReader):
    """One GitLab delivery's kind and JSON object, with safe accessors."""

    kind: str
    body: dict[str, Any]

    @property
    def action(self) -> str | None:
        """What happened: the object's action, else its status (pipelines, jobs, deployments)."""
        for path in ("object_attributes.action", "action", "object_attributes.status"):
            found = line(self.get(path), 60)
            if found:
                return found
        if self.kind == "build":
            return line(self.get("build_status"), 60)
        return line(self.get("status"), 60)

    @property
    def name(self) -> str:
        """The kind as EchoDash names it (`build` → `job`)."""
        return KIND_NAMES.get(self.kind, self.kind)

    @property
    def type(self) -> str:
        if self.kind in _BARE_KINDS:
            return self.name
        return f"{self.name}.{self.action}" if self.action else self.name

    def keys(self) -> tuple[str, ...]:
        """Builders are filed by kind as EchoDash names it (`job`, `project_create`)."""
        return (self.type, self.name)

    def moment(self, value: Any) -> datetime | None:
        return moment(value)

    @property
    def actor(self) -> str | None:
        return self.first("user_username", "user.username", "user_name", "user.name", limit=80)

    @property
    def subject(self) -> str | None:
        return self.first(
            "project.path_with_namespace",
            "wiki.path_with_namespace",
            "project_name",
            "repository.name",
            limit=200,
        )

    @property
    def service(self) -> str | None:
        """`gitlab:<project path with namespace>`, or `gitlab:<group path>` for group events."""
        place = self.first(*SERVICE_PATHS, limit=200)
        return f"gitlab:{place}" if place else None

    @property
    def environment(self) -> str | None:
        """A deployment's environment, or the one a job deploys to."""
        return self.text("environment", 100) or self.text("environment.name", 100)

    def home(self) -> str | None:
        return self.link("project.web_url", "repository.homepage", "project.homepage")

    def page(self, path: str) -> str | None:
        """A page of the project (`-/jobs/12`), when the project's web address is known."""
        home = self.home()
        return f"{home.rstrip('/')}/{path}" if home else None
