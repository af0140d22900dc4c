"""What a user saved for one event type: a title template and the key fields to show."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

MAX_FIELDS = 40
MAX_FIELD_NAME = 200


class TemplateError(ValueError):
    """A template or setting the user must fix; the message is a sentence shown to them."""


@dataclass(frozen=True, slots=True)
class FeedTemplate:
    """How one event type shows in the feed; None means the source's own choice."""

    title: str | None = None
    fields: tuple[str, ...] | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "fields": None if self.fields is None else list(self.fields),
        }

    @classmethod
    def from_json(cls, doc: Any) -> FeedTemplate:
        """The template saved as `to_json` wrote it; anything else is refused, not guessed."""
        if not isinstance(doc, dict):
            raise TemplateError("A feed template must be a JSON object with 'title' and 'fields'.")
        unknown = sorted(str(key) for key in doc if key not in {"title", "fields"})
        if unknown:
            raise TemplateError(
                f"Unknown setting {unknown[0]!r}: a feed template has only 'title' and 'fields'."
            )
        title = doc.get("title")
        if title is not None and not isinstance(title, str):
            raise TemplateError("The title template must be text (or null for the default).")
        return cls(title=title, fields=_fields(doc.get("fields")))


def _fields(raw: Any) -> tuple[str, ...] | None:
    if raw is None:
        return None
    if not isinstance(raw, list):
        raise TemplateError("The fields must be a list of field names (or null for the default).")
    if len(raw) > MAX_FIELDS:
        raise TemplateError(f"Choose at most {MAX_FIELDS} fields; {len(raw)} were given.")
    names: list[str] = []
    for position, name in enumerate(raw, start=1):
        if not isinstance(name, str) or not name.strip():
            raise TemplateError(f"Field {position} must be a non-empty field name.")
        if len(name) > MAX_FIELD_NAME:
            raise TemplateError(
                f"Field {position} is longer than {MAX_FIELD_NAME} characters; use a shorter path."
            )
        names.append(name.strip())
    return tuple(names)


def fingerprint(source: str, type: str) -> str:
    """The key templates are saved under: one per source and event type, e.g. `github:push`."""
    return f"{source}:{type}"
