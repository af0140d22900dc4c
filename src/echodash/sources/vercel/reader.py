"""Vercel's payload reader: the delivery's envelope (`id`, `type`, `createdAt`) and the event's
own `payload` object, with the project, target and commit every deployment names."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from echodash.sources.kit.payload import PayloadReader, line
from echodash.sources.kit.text import first_line

# Legacy (v1) deployment type names still sent by older webhooks and integrations.
LEGACY = {
    "deployment": "deployment.created",
    "deployment-prepared": "deployment.created",
    "deployment-ready": "deployment.succeeded",
    "deployment-error": "deployment.error",
    "deployment-canceled": "deployment.canceled",
}
# The git providers a deployment's metadata names its commit for.
_GIT = ("github", "gitlab", "bitbucket")


@dataclass(frozen=True, slots=True)
class Payload(PayloadReader):
    """One Vercel delivery: the envelope's `type` and the event's `payload` object."""

    body: dict[str, Any]

    @property
    def type(self) -> str:
        return line(self.body.get("type"), 100) or "unknown"

    @property
    def kind(self) -> str:
        """The type as Vercel names it today (`deployment-ready` → `deployment.succeeded`)."""
        return LEGACY.get(self.type, self.type)

    def keys(self) -> tuple[str, ...]:
        return (self.type, self.kind)

    def data(self, path: str, limit: int = 120) -> str | None:
        """Text at `path` inside the event's `payload` object."""
        return self.text(f"payload.{path}", limit) if self.payload_is_object else None

    @property
    def payload_is_object(self) -> bool:
        return isinstance(self.body.get("payload"), dict)

    def meta(self, what: str, limit: int = 100) -> str | None:
        """A deployment's git metadata (`CommitRef`, `CommitSha`…) from whichever provider."""
        for provider in _GIT:
            found = self.data(f"deployment.meta.{provider}{what}", limit)
            if found:
                return found
        return None

    @property
    def commit_message(self) -> str | None:
        """The first line of the deployed commit's message."""
        for provider in _GIT:
            found = first_line(self.get(f"payload.deployment.meta.{provider}CommitMessage"), 80)
            if found:
                return found
        return None

    @property
    def project(self) -> str | None:
        """The project's name (a deployment names it in `deployment.name`)."""
        return self.data("deployment.name", 100) or self.data("project.name", 100)

    @property
    def actor(self) -> str | None:
        return (
            self.data("deployment.meta.githubCommitAuthorLogin", 100)
            or self.meta("CommitAuthorName")
            or self.data("user.username", 100)
        )

    @property
    def subject(self) -> str | None:
        return (
            self.project
            or self.data("name", 100)
            or self.data("project.id", 100)
            or self.data("projectId", 100)
        )

    @property
    def service(self) -> str | None:
        """`vercel:<project name>`."""
        return f"vercel:{self.project}" if self.project else None

    @property
    def environment(self) -> str | None:
        """A deployment's target (`production`, `staging`; Vercel sends none for previews)."""
        return self.data("target", 50) if self.kind.startswith("deployment") else None

    def home(self) -> str | None:
        found = self.link("payload.links.deployment", "payload.links.project")
        if found:
            return found
        host = self.data("deployment.url", 500)
        if host and all(c.isalnum() or c in ".-" for c in host) and host.isascii():
            return "https://" + host
        return None
