"""Applying a feed template to a parsed event: its title and key fields, never losing it."""

from __future__ import annotations

import re
from collections import deque
from dataclasses import replace
from itertools import islice
from typing import Any

from echodash.events import EventDraft, FieldValue

# The key names keyfacts looks for are what makes a payload value worth offering first.
from echodash.sources.kit.keyfacts import (
    _AMOUNT_KEYS,
    _ID_KEYS,
    _PLACE_KEYS,
    _STATUS_KEYS,
    _TIME_KEYS,
    _TITLE_KEYS,
    _USER_KEYS,
    _norm,
)
from echodash.sources.kit.payload import dig
from echodash.titles.model import MAX_FIELD_NAME, FeedTemplate, TemplateError
from echodash.titles.sandbox import render_title

MAX_FIELD_TEXT = 200
_LIST_ITEMS = 3  # a batch's first items stand for the rest
_MAX_NODES = 5_000  # a huge payload is sampled, not walked in full, on every page view
_INTERESTING = frozenset(
    _norm(key)
    for key in (*_TITLE_KEYS, *_ID_KEYS, *_STATUS_KEYS, *_USER_KEYS, *_AMOUNT_KEYS, *_PLACE_KEYS,
                *_TIME_KEYS, "full_name", "login")
)  # fmt: skip
_MISSING = object()


def template_context(draft: EventDraft, source: str, payload: Any) -> dict[str, Any]:
    """What a title template sees: `event` (the parsed event) and `payload` (the raw JSON)."""
    return {
        "event": {
            "title": draft.title,
            "summary": draft.summary,
            "actor": draft.actor,
            "subject": draft.subject,
            "url": draft.url,
            "type": draft.type,
            "source": source,
            "severity": draft.severity.value,
            "tags": list(draft.tags),
            "fields": dict(draft.fields),
        },
        "payload": payload,
    }


def apply(draft: EventDraft, source: str, payload: Any, template: FeedTemplate) -> EventDraft:
    """The draft as the user's template shows it; a broken template leaves the title alone."""
    return apply_checked(draft, source, payload, template)[0]


def apply_checked(
    draft: EventDraft, source: str, payload: Any, template: FeedTemplate
) -> tuple[EventDraft, str | None]:
    """`apply`, also saying why the title template could not be used (previews show it)."""
    title, error = draft.title, None
    if template.title is not None and template.title.strip():
        try:
            rendered = render_title(template.title, template_context(draft, source, payload))
        except TemplateError as problem:
            error = str(problem)
        else:
            title = rendered or draft.title  # an empty title would hide the event in the feed
    fields = draft.fields
    if template.fields is not None:
        fields = select_fields(draft, payload, template.fields)
    return replace(draft, title=title, fields=fields), error


def select_fields(draft: EventDraft, payload: Any, names: tuple[str, ...]) -> dict[str, FieldValue]:
    """The chosen fields in the chosen order: the draft's own by key, else a payload path."""
    chosen: dict[str, FieldValue] = {}
    for name in names:
        raw = draft.fields[name] if name in draft.fields else dig(payload, name, _MISSING)
        value = _scalar(raw)
        if value is not None and name not in chosen:
            chosen[name] = value
    return chosen


def candidate_fields(
    draft: EventDraft, payload: Any, limit: int = 40
) -> list[tuple[str, FieldValue]]:
    """Fields a user may tick: the draft's own, then payload values, well-known names first."""
    found: dict[str, FieldValue] = {}
    for key, value in draft.fields.items():
        shown = _scalar(value)
        if shown is not None:
            found.setdefault(key, shown)
    leaves = _leaves(payload)
    # Stable sort: within each group the breadth-first order (shallow first) is kept.
    leaves.sort(key=lambda leaf: _last_key(leaf[0]) not in _INTERESTING)
    for path, value in leaves:
        found.setdefault(path, value)
    return list(found.items())[: max(limit, 0)]


def default_title_template(draft: EventDraft) -> str:
    """A template that renders this draft's own title, with actor and subject as variables."""
    names = {draft.subject: "event.subject", draft.actor: "event.actor"}
    words = sorted((w for w in names if w and len(w) > 1 and w in draft.title), key=len)
    if not words:
        return "{{ event.title }}"
    # Longest first, so an actor inside the subject (`octocat` in `octocat/repo`) stays put.
    pattern = "|".join(re.escape(word) for word in reversed(words))
    parts: list[str] = []
    for index, piece in enumerate(re.split(f"({pattern})", draft.title)):
        if index % 2:
            parts.append("{{ " + names[piece] + " }}")
        else:
            parts.append(piece.replace("{", "{{ '{' }}"))  # literal braces stay literal
    return "".join(parts)


def _scalar(value: Any) -> FieldValue:
    """A value fit to show beside a title: no containers, no nulls, text cut short."""
    if isinstance(value, str):
        return value if len(value) <= MAX_FIELD_TEXT else value[: MAX_FIELD_TEXT - 1] + "…"
    if isinstance(value, (bool, int, float)):
        return value
    return None


def _leaves(payload: Any) -> list[tuple[str, FieldValue]]:
    """Scalar values by dotted path, breadth-first, the first few items of each list.

    Bounded whatever the payload: at most _MAX_NODES values are looked at (a 100,000-key
    object is not listed whole), and no deeper than a field name can be long (a payload
    nested 1,000 levels offers its first levels only)."""
    leaves: list[tuple[str, FieldValue]] = []
    queue: deque[tuple[str, Any]] = deque([("", payload)])
    visited = 0
    while queue and visited < _MAX_NODES:
        path, value = queue.popleft()
        visited += 1
        room = max(_MAX_NODES - visited - len(queue), 0)  # children past it are never visited
        if isinstance(value, dict):
            children = [(str(key), child) for key, child in islice(value.items(), room)]
        elif isinstance(value, list):
            children = [(str(index), child) for index, child in enumerate(value[:_LIST_ITEMS])]
        else:
            shown = _scalar(value)
            if path and shown is not None and shown != "":
                leaves.append((path, shown))
            continue
        for key, child in children:
            child_path = f"{path}.{key}" if path else key
            # A key with a dot cannot be written as a dotted path; a longer one cannot be saved.
            if "." not in key and key and len(child_path) <= MAX_FIELD_NAME:
                queue.append((child_path, child))
    return leaves


def _last_key(path: str) -> str:
    named = [part for part in path.split(".") if not part.isdigit()]
    return _norm(named[-1]) if named else ""
