"""Whether an event is one a rule looks at: pure, and cheap enough for every event.

A `where` field is a dotted path into the delivery's JSON body (`workflow_run.conclusion`);
when the body has no such path, the event's own field of that name is used (custom events keep
their properties there, so `amount gt 10000` reads naturally). `event.<attribute>` reads the
normalized event instead: `event.title`, `event.actor`, `event.fields.plan`.

Events of EchoDash's own alerts (source `alerts`) match only a rule that names that source:
a rule on "every event" must not fire on the alert it opened, and again on that one, forever.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from fnmatch import fnmatchcase, translate
from typing import Any

from echodash.alerts.rules import Match, Where
from echodash.events import Event, Severity
from echodash.sources.kit.payload import dig

_MISSING = object()
# The source of EchoDash's own alert events (echodash/sources/alerts): only a rule naming it
# sees them.
ALERTS_SOURCE = "alerts"
# warning, error and critical match "this or graver"; info and success match themselves.
_GRAVITY = {Severity.WARNING: 1, Severity.ERROR: 2, Severity.CRITICAL: 3}
_ATTRIBUTES = (
    "id",
    "source",
    "type",
    "title",
    "summary",
    "actor",
    "subject",
    "url",
    "severity",
    "category",
    "service",
    "environment",
    "outcome",
    "origin",
    "endpoint_id",
)

Body = Callable[[], Any]


def matches(match: Match, event: Event, body: Body) -> bool:
    """Whether `event` is one `match` describes. `body` gives the delivery's JSON when a
    condition needs it (parsed at most once by the caller's cache, never when not needed)."""
    if match.source is not None and event.source != match.source:
        return False
    if match.source is None and event.source == ALERTS_SOURCE:
        return False
    if match.type is not None and not _glob(event.type, match.type):
        return False
    if match.endpoint is not None and event.endpoint_id != match.endpoint:
        return False
    if match.category is not None and event.category != match.category:
        return False
    if match.service is not None and not (
        event.service is not None and _glob(event.service, match.service)
    ):
        return False
    if match.environment is not None and event.environment != match.environment:
        return False
    if match.outcome is not None and event.outcome != match.outcome:
        return False
    if match.severity is not None and not _severe_enough(event.severity, match.severity):
        return False
    return all(holds(where, value_of(where.field, event, body)) for where in match.where)


Check = Callable[[Event], bool]


def compile_match(match: Match, *, filed: bool = False) -> Callable[[Event, Body], bool]:
    """`matches` for one rule, with its checks worked out once: only the parts the rule sets
    are tested, cheapest first (a RuleIndex calls this for every rule it holds)."""
    checks: list[Check] = []
    if not filed and match.source is not None:
        source = match.source
        checks.append(lambda e: e.source == source)
    elif not filed:
        checks.append(lambda e: e.source != ALERTS_SOURCE)
    if not filed and match.type is not None:
        type_test = _compiled_glob(match.type)
        checks.append(lambda e: type_test(e.type))
    if match.endpoint is not None:
        endpoint = match.endpoint
        checks.append(lambda e: e.endpoint_id == endpoint)
    if match.category is not None:
        category = match.category
        checks.append(lambda e: e.category == category)
    if match.outcome is not None:
        outcome = match.outcome
        checks.append(lambda e: e.outcome == outcome)
    if match.environment is not None:
        environment = match.environment
        checks.append(lambda e: e.environment == environment)
    if match.severity is not None:
        wanted = match.severity
        checks.append(lambda e: _severe_enough(e.severity, wanted))
    if match.service is not None:
        service_test = _compiled_glob(match.service)
        checks.append(lambda e: e.service is not None and service_test(e.service))
    wheres = match.where

    def test(event: Event, body: Body) -> bool:
        # This runs for every candidate rule of every event (16 on average in the benchmark's
        # mix): a generator is made only when the rule has `where` conditions at all.
        for check in checks:
            if not check(event):
                return False
        if not wheres:
            return True
        return all(holds(where, value_of(where.field, event, body)) for where in wheres)

    return test


def _compiled_glob(pattern: str) -> Callable[[str], bool]:
    if not any(c in pattern for c in "*?["):
        return pattern.__eq__
    compiled = re.compile(translate(pattern))
    return lambda value: compiled.match(value) is not None


def _glob(value: str, pattern: str) -> bool:
    return (
        value == pattern
        if "*" not in pattern and "?" not in pattern and "[" not in pattern
        else fnmatchcase(value, pattern)
    )


def _severe_enough(severity: Severity, wanted: Severity) -> bool:
    if wanted not in _GRAVITY:
        return severity == wanted
    return _GRAVITY.get(severity, 0) >= _GRAVITY[wanted]


def value_of(path: str, event: Event, body: Body) -> Any:
    """The value a `where` condition looks at, or a marker when there is none."""
    if path.startswith("event."):
        name = path[len("event.") :]
        if name.startswith("fields."):
            return event.fields.get(name[len("fields.") :], _MISSING)
        if name == "tags":
            return list(event.tags)
        if name == "commits":
            return list(event.commits)
        if name in _ATTRIBUTES:
            value = getattr(event, name)
            return value.value if hasattr(value, "value") else value
        return _MISSING
    found = dig(body(), path, _MISSING)
    if found is _MISSING:
        return event.fields.get(path, _MISSING)
    return found


def holds(where: Where, value: Any) -> bool:
    """Whether one condition holds for the value found (the marker when none was)."""
    if where.op == "exists":
        present = value is not _MISSING and value is not None
        return present if where.value in (None, True) else not present
    if value is _MISSING or value is None:
        return where.op == "ne"
    if where.op == "eq":
        return _equal(value, where.value)
    if where.op == "ne":
        return not _equal(value, where.value)
    if where.op == "contains":
        if isinstance(value, list):
            return any(_equal(item, where.value) or _contains(item, where.value) for item in value)
        return _contains(value, where.value)
    if where.op == "matches":
        return (
            where.pattern is not None and _is_scalar(value) and where.pattern.search(_text(value))
        )
    return _compare(value, where.value, where.op)


def _is_scalar(value: Any) -> bool:
    return not isinstance(value, (dict, list))


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str) and 0 < len(value) <= 40:
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _equal(value: Any, wanted: Any) -> bool:
    if isinstance(value, bool) or isinstance(wanted, bool):
        return value is wanted or (isinstance(value, str) and value == _text(wanted))
    left, right = _number(value), _number(wanted)
    if (
        left is not None
        and right is not None
        and not (isinstance(value, str) and isinstance(wanted, str))
    ):
        return left == right
    return _is_scalar(value) and _text(value) == _text(wanted)


def _contains(value: Any, wanted: Any) -> bool:
    return _is_scalar(value) and _text(wanted).casefold() in _text(value).casefold()


def _compare(value: Any, wanted: Any, op: str) -> bool:
    left, right = _number(value), _number(wanted)
    if left is None or right is None:
        if not (isinstance(value, str) and isinstance(wanted, str)):
            return False
        a: Any = value
        b: Any = wanted
    else:
        a, b = left, right
    if op == "gt":
        return bool(a > b)
    if op == "gte":
        return bool(a >= b)
    if op == "lt":
        return bool(a < b)
    return bool(a <= b)
