"""Reading one Acme delivery: what it is, about what, where."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from echodash.sources import PayloadReader


@dataclass(frozen=True, slots=True)
class Deploy(PayloadReader):
    body: dict[str, Any]

    @property
    def type(self) -> str:
        return self.text("event", 60) or "deploy"

    @property
    def subject(self) -> str | None:
        return self.text("service", 80)

    @property
    def service(self) -> str | None:
        return f"acme:{self.subject}" if self.subject else None

    @property
    def environment(self) -> str | None:
        return self.text("environment", 40)

    def home(self) -> str | None:
        return self.link("url")
