"""Key facts: the few values worth showing, found by key name in any JSON document.

Used by sources whose payloads EchoDash does not know field by field (any webhook, Standard
Webhooks senders): ids, names, titles, people, amounts, statuses, links, times.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from echodash.events import EventDraft, FieldValue, Severity
from echodash.sources.kit.payload import parse_time, text

# Key-field extraction: which names count as which kind of value (compared without case,
# `_` or `-`, so `html_url`, `htmlUrl` and `HTML-URL` are one name).
_TITLE_KEYS = ("title", "name", "subject", "summary", "message", "text", "description", "culprit")
_ID_KEYS = ("id", "event_id", "uuid", "key", "number", "order_number", "reference")
_STATUS_KEYS = ("status", "state", "level", "severity", "financial_status", "conclusion")
_USER_KEYS = ("email", "user", "username", "login", "author", "actor", "customer", "sender")
_AMOUNT_KEYS = ("amount", "total", "total_price", "price", "grand_total", "value")
_PLACE_KEYS = ("project", "repository", "repo", "service", "environment", "host", "app", "team")
_URL_KEYS = ("html_url", "web_url", "permalink", "order_status_url", "url", "link")
_TIME_KEYS = ("timestamp", "created_at", "time", "ts", "occurred_at", "date_created", "created")
_PEOPLE_AND_PLACES = frozenset(
    k.replace("_", "")
    for k in (*_USER_KEYS, *_PLACE_KEYS, "owner", "creator", "assignee", "reporter", "pusher",
              "committer", "installation", "organization")
)  # fmt: skip
_SEVERITY_KEYS = ("severity", "level", "status", "state", "conclusion")
_INNER_NAME_KEYS = ("email", "full_name", "name", "username", "login", "display_name", "id")
_SEVERITY_WORDS: dict[str, Severity] = {
    **dict.fromkeys(("critical", "fatal", "emergency", "panic"), Severity.CRITICAL),
    **dict.fromkeys(
        ("error", "err", "failed", "failure", "fail", "failing", "errored", "down", "crashed"),
        Severity.ERROR,
    ),
    **dict.fromkeys(("warning", "warn", "degraded", "unstable", "firing"), Severity.WARNING),
    **dict.fromkeys(
        ("success", "succeeded", "successful", "passed", "ok", "resolved", "recovered",
         "completed", "paid", "up", "healthy"),
        Severity.SUCCESS,
    ),
}  # fmt: skip
_RANK = {s: i for i, s in enumerate(Severity)}  # info < success < warning < error < critical


@dataclass(frozen=True, slots=True)
class KeyFacts:
    """The few values worth showing, found by key name in any JSON object."""

    fields: dict[str, FieldValue]
    headline: tuple[str, ...]
    actor: str | None
    subject: str | None
    url: str | None
    occurred_at: datetime | None
    severity: Severity

    def draft(self, event_type: str, title: str) -> EventDraft:
        return EventDraft(
            type=event_type,
            title=title,
            actor=self.actor,
            subject=self.subject,
            url=self.url,
            occurred_at=self.occurred_at,
            severity=self.severity,
            fields=self.fields,
        )


def headline(event_type: str, facts: KeyFacts) -> str:
    if not facts.headline:
        return f"{event_type} received"
    return f"{event_type}: {' · '.join(facts.headline)}"


def key_facts(document: Mapping[str, Any], event_type: str = "") -> KeyFacts:
    """Look for well-known key names at the top level, then one and two levels down."""
    levels = _levels(document)
    slots: dict[str, tuple[str, FieldValue]] = {}
    for slot, keys, accept in (
        ("title", _TITLE_KEYS, _short_text),
        ("id", _ID_KEYS, _identifier),
        ("status", _STATUS_KEYS, _short_text),
        ("user", _USER_KEYS, _person),
        ("amount", _AMOUNT_KEYS, _number),
        ("place", _PLACE_KEYS, _person),
    ):
        found = _find(levels, keys, accept, inside_people=slot in {"user", "place"})
        if found is not None:
            container, key, value = found
            if slot == "amount":
                currency = text(container.get("currency") or container.get("currency_code"))
                value = f"{value} {currency.upper()}" if currency else value
            slots[slot] = (key, value)
    fields = {key: value for key, value in slots.values()}
    shown: list[str] = []
    for slot in ("title", "user", "amount", "status", "id"):
        if slot in slots and str(slots[slot][1]) not in shown:
            shown.append(str(slots[slot][1]))
    url = _find(levels, _URL_KEYS, _web_url)
    moment = _find(levels, _TIME_KEYS, _moment)
    return KeyFacts(
        fields=fields,
        headline=tuple(value[:80] for value in shown[:3]),
        actor=str(slots["user"][1]) if "user" in slots else None,
        subject=str(slots["place"][1]) if "place" in slots else None,
        url=str(url[2]) if url else None,
        occurred_at=parse_time(_numeric(moment[2])) if moment else None,
        severity=_severity(levels, event_type),
    )


@dataclass(frozen=True, slots=True)
class _Node:
    """One object in the document, its keys by normalized name, and the key it sits under."""

    container: dict[str, Any]
    index: dict[str, str]
    parent: str


def _levels(document: Mapping[str, Any]) -> list[list[_Node]]:
    levels = [[_node(dict(document), "")]]
    for _ in range(2):
        below: list[_Node] = []
        for node in levels[-1]:
            for key, value in node.container.items():
                if isinstance(value, list) and value:
                    value = value[0]  # a batch: the first item stands for the others
                if isinstance(value, dict) and len(below) < 50:
                    below.append(_node(value, _norm(str(key))))
        levels.append(below)
    return levels


def _node(container: dict[str, Any], parent: str) -> _Node:
    index: dict[str, str] = {}
    for key in container:
        if isinstance(key, str):
            index.setdefault(_norm(key), key)
    return _Node(container, index, parent)


def _norm(key: str) -> str:
    return key.lower().replace("_", "").replace("-", "")


def _find(
    levels: list[list[_Node]],
    keys: Sequence[str],
    accept: Callable[[Any], FieldValue],
    *,
    inside_people: bool = False,
) -> tuple[dict[str, Any], str, FieldValue] | None:
    """(container, key, value) for the best-named usable value, shallowest first.

    Objects that describe a person or a place (`actor`, `repository`, …) are skipped unless
    that is what is looked for: their `name` is not the event's title.
    """
    for wanted in keys:
        for level in levels:
            for node in level:
                if not inside_people and node.parent in _PEOPLE_AND_PLACES:
                    continue
                key = node.index.get(_norm(wanted))
                if key is not None:
                    value = accept(node.container[key])
                    if value is not None:
                        return node.container, key, value
    return None


def _short_text(value: Any) -> FieldValue:
    return text(value) if isinstance(value, str) else None


def _identifier(value: Any) -> FieldValue:
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    return _short_text(value)


def _number(value: Any) -> FieldValue:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", value.strip()):
        return value.strip()
    return None


def _person(value: Any) -> FieldValue:
    """A name for a user/place, also from an object such as `{"login": "octocat", …}`."""
    if isinstance(value, dict):
        for key in _INNER_NAME_KEYS:
            found = _identifier(value.get(key))
            if found is not None:
                return found
        return None
    return _identifier(value)


def _web_url(value: Any) -> FieldValue:
    if isinstance(value, str) and value.startswith(("https://", "http://")):
        return value if len(value) <= 2000 else None
    return None


def _moment(value: Any) -> FieldValue:
    candidate = _numeric(value)
    return value if parse_time(candidate) is not None else None


def _numeric(value: Any) -> Any:
    """Unix time sent as text (`"1614265330.0001"`) becomes a number; anything else is kept."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{9,13}(\.[0-9]+)?", value):
        return float(value)
    return value


def _severity(levels: list[list[_Node]], event_type: str) -> Severity:
    """The gravest word among status-like values and the event type's last word."""
    last = re.split(r"[./:\s]", event_type.lower())[-1]
    words = [last, last.rsplit("_", 1)[-1]]  # `backup.failed`, `payment_failed`
    for key in _SEVERITY_KEYS:
        hit = _find(levels, (key,), _short_text)
        if hit is not None:
            words.append(str(hit[2]).strip().lower().replace(" ", "_").replace("-", "_"))
    found = Severity.INFO
    for word in words:
        found = max(found, _SEVERITY_WORDS.get(word, found), key=_RANK.__getitem__)
    return found
