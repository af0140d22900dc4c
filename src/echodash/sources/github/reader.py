"""GitHub's payload reader: one delivery's event name and JSON object, with safe accessors."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from echodash.sources.kit.payload import PayloadReader, line
from echodash.sources.kit.text import moment, words


@dataclass(frozen=True, slots=True)
class Payload(PayloadReader):
    """One GitHub delivery's event name and JSON object, with safe accessors."""

    event: str
    body: dict[str, Any]

    @property
    def action(self) -> str | None:
        return line(self.body.get("action"), 60)

    @property
    def type(self) -> str:
        return f"{self.event}.{self.action}" if self.action else self.event

    def verb(self, fallback: str = "updated") -> str:
        """The action as words (`review_requested` → `review requested`)."""
        return words(self.action or fallback)

    def flag(self, path: str) -> bool:
        return self.get(path) is True

    def time(self, *paths: str) -> datetime | None:
        """The first of `paths` that holds a usable timestamp."""
        for path in paths:
            found = moment(self.get(path))
            if found is not None:
                return found
        return None

    @property
    def actor(self) -> str | None:
        return self.text("sender.login", 80) or self.text("pusher.name", 80)

    @property
    def subject(self) -> str | None:
        return (
            self.text("repository.full_name", 140)
            or self.text("organization.login", 80)
            or self.text("installation.account.login", 80)
        )

    @property
    def service(self) -> str | None:
        """`github:<owner>/<repository>`, or `github:<organization>` for organization events."""
        place = self.text("repository.full_name", 140) or self.text("organization.login", 80)
        return f"github:{place}" if place else None

    @property
    def environment(self) -> str | None:
        """The environment a deployment (or a deployment's review or protection rule) names."""
        if self.event in ("deployment", "deployment_status"):
            return self.text("deployment.environment", 100) or self.text(
                "deployment_status.environment", 100
            )
        if self.event in ("deployment_review", "deployment_protection_rule"):
            return self.text("environment", 100)
        return None

    def sha(self, path: str) -> str | None:
        """A commit SHA (or other object id) at `path`, whole."""
        return self.text(path, 64)

    def keys(self) -> tuple[str, ...]:
        """Builders are filed by event name (`pull_request`), some by type too."""
        return (self.type, self.event)

    def home(self) -> str | None:
        """The repository's (or organization's) page on GitHub."""
        org = self.text("organization.login", 80)
        return self.link("repository.html_url") or (f"https://github.com/{org}" if org else None)
