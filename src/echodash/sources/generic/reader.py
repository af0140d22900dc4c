"""The any-webhook reader: a JSON object (or a form), the type the endpoint's options find,
and the title a `title_path` option points at."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from echodash.events import Category
from echodash.sources.kit.payload import PayloadReader

_CATEGORIES = {c.value: c for c in Category}


@dataclass(frozen=True, slots=True)
class Hook(PayloadReader):
    """One delivery of any tool: its document, its type and the title the options chose."""

    body: dict[str, Any]
    event_type: str = "webhook"
    chosen_title: str | None = None

    @property
    def type(self) -> str:
        return self.event_type

    def keys(self) -> tuple[str, ...]:
        """Any tool names its own types, so one builder (filed under `*`) reads all."""
        return (self.type, "*")

    @property
    def category(self) -> Category:
        """The payload's own top-level `category` when it is a word of the vocabulary."""
        return _CATEGORIES.get(str(self.body.get("category")), Category.OTHER)
