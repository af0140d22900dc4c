"""Alert rules: what to watch for, when to fire, whom to tell (the JSON of /api/v1/rules).

`parse_rule` turns a rule's JSON into a `Rule`, refusing anything it would not know how to
evaluate with a `RuleError` that names the field (`match.where.0.op: ...`), so an editor or an
API client is told exactly what to fix. `Rule.to_json` gives the same JSON back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, TypeVar

from echodash.alerts.patterns import PatternError, SafePattern
from echodash.alerts.rule_secrets import SEALED
from echodash.events import Category, Outcome, Severity

OPS = ("eq", "ne", "gt", "gte", "lt", "lte", "contains", "matches", "exists")
Op = Literal["eq", "ne", "gt", "gte", "lt", "lte", "contains", "matches", "exists"]
DEFAULT_SUSPECT_WINDOW = 7200
E = TypeVar("E", Category, Outcome, Severity)
# Bounds that keep one rule's evaluation cheap and its JSON readable.
MAX_NAME = 120
MAX_WHERE = 20
MAX_ACTIONS = 10
MAX_TEXT = 500
MAX_WINDOW = 90 * 86400
LONGEST_SUSPECT_WINDOW = 7 * 86400


class RuleError(ValueError):
    """A rule that cannot be saved: `path` names the field, the message says why."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}" if path else message)
        self.path = path
        self.reason = message


@dataclass(frozen=True, slots=True)
class Where:
    """One condition on a field: a dotted path into the delivery's JSON body, or
    `event.<attribute>` of the normalized event."""

    field: str
    op: Op
    value: Any = None
    pattern: SafePattern | None = None  # compiled once, for `matches`

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {"field": self.field, "op": self.op}
        if self.op != "exists" or self.value is not None:
            found["value"] = self.value
        return found


@dataclass(frozen=True, slots=True)
class Match:
    """Which events a rule looks at. Every given part must hold."""

    source: str | None = None
    endpoint: int | None = None
    type: str | None = None  # a glob: `workflow_run.*`
    category: Category | None = None
    service: str | None = None  # exact, or a glob: `github:acme/*`
    environment: str | None = None
    outcome: Outcome | None = None
    severity: Severity | None = None  # this severity or a graver one
    where: tuple[Where, ...] = ()

    def to_json(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        for name in ("source", "endpoint", "type", "service", "environment"):
            value = getattr(self, name)
            if value is not None:
                found[name] = value
        for name in ("category", "outcome", "severity"):
            value = getattr(self, name)
            if value is not None:
                found[name] = value.value
        if self.where:
            found["where"] = [w.to_json() for w in self.where]
        return found


@dataclass(frozen=True, slots=True)
class Every:
    """Fire on every matching event."""

    kind: Literal["every"] = "every"

    def to_json(self) -> dict[str, Any]:
        return {"kind": "every"}


@dataclass(frozen=True, slots=True)
class Count:
    """Fire when at least `threshold` matching events fall within `window_seconds`."""

    threshold: int
    window_seconds: int
    kind: Literal["count"] = "count"

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": "count",
            "threshold": self.threshold,
            "window_seconds": self.window_seconds,
        }


@dataclass(frozen=True, slots=True)
class Absence:
    """Fire when no matching event came for `window_seconds` (a heartbeat that stopped)."""

    window_seconds: int
    kind: Literal["absence"] = "absence"

    def to_json(self) -> dict[str, Any]:
        return {"kind": "absence", "window_seconds": self.window_seconds}


@dataclass(frozen=True, slots=True)
class Anomaly:
    """Fire when the hourly rate departs from the usual rate for that hour of the week:
    `factor` ≥ 1 watches for spikes (that many times the usual), below 1 for drops."""

    factor: float
    min_count: int = 10
    kind: Literal["anomaly"] = "anomaly"

    def to_json(self) -> dict[str, Any]:
        return {"kind": "anomaly", "factor": self.factor, "min_count": self.min_count}


Condition = Every | Count | Absence | Anomaly


@dataclass(frozen=True, slots=True)
class Action:
    """Whom to tell: `webhook` (signed, Standard Webhooks), `apprise` (Slack, Discord,
    Teams, ntfy… by URL), `email`, or `browser` (the signed-in people's notifications)."""

    kind: Literal["webhook", "apprise", "email", "browser"]
    url: str | None = None
    secret: str | None = None
    to: tuple[str, ...] = ()

    def to_json(self, *, reveal: bool = False) -> dict[str, Any]:
        found: dict[str, Any] = {"kind": self.kind}
        if self.url is not None:
            found["url"] = self.url
        if self.secret is not None:
            found["secret"] = self.secret if reveal else "whsec_…"
        if self.to:
            found["to"] = list(self.to)
        return found


@dataclass(frozen=True, slots=True)
class Rule:
    name: str
    match: Match
    condition: Condition
    actions: tuple[Action, ...] = ()
    repeat_seconds: int | None = None
    muted_until: datetime | None = None
    group_by: Literal["service"] | None = None
    resolve_after_seconds: int | None = None
    suspect_window_seconds: int = DEFAULT_SUSPECT_WINDOW

    def to_json(self, *, reveal: bool = False) -> dict[str, Any]:
        found: dict[str, Any] = {
            "name": self.name,
            "match": self.match.to_json(),
            "condition": self.condition.to_json(),
            "actions": [a.to_json(reveal=reveal) for a in self.actions],
            "suspect_window_seconds": self.suspect_window_seconds,
        }
        if self.repeat_seconds is not None:
            found["repeat_seconds"] = self.repeat_seconds
        if self.muted_until is not None:
            found["muted_until"] = self.muted_until.isoformat().replace("+00:00", "Z")
        if self.group_by is not None:
            found["group_by"] = self.group_by
        if self.resolve_after_seconds is not None:
            found["resolve_after_seconds"] = self.resolve_after_seconds
        return found


_RULE_KEYS = {
    "name",
    "match",
    "condition",
    "actions",
    "repeat_seconds",
    "muted_until",
    "group_by",
    "resolve_after_seconds",
    "suspect_window_seconds",
}
_MATCH_KEYS = {
    "source",
    "endpoint",
    "type",
    "category",
    "service",
    "environment",
    "outcome",
    "severity",
    "where",
}


def parse_rule(document: Any) -> Rule:
    """A rule from its JSON; RuleError naming the first field that is wrong."""
    if not isinstance(document, dict):
        raise RuleError("", "a rule is a JSON object")
    _no_unknown(document, _RULE_KEYS, "")
    name = _text(document.get("name"), "name", MAX_NAME, required=True)
    assert name is not None
    condition = _condition(document.get("condition"))
    suspect = _seconds(
        document.get("suspect_window_seconds", DEFAULT_SUSPECT_WINDOW),
        "suspect_window_seconds",
        upper=LONGEST_SUSPECT_WINDOW,
        minimum=0,
    )
    group_by = document.get("group_by")
    if group_by not in (None, "service"):
        raise RuleError("group_by", 'the only grouping is "service"')
    return Rule(
        name=name,
        match=_match(document.get("match", {})),
        condition=condition,
        actions=_actions(document.get("actions", [])),
        repeat_seconds=_optional_seconds(document.get("repeat_seconds"), "repeat_seconds", 60),
        muted_until=_moment(document.get("muted_until"), "muted_until"),
        group_by="service" if group_by == "service" else None,
        resolve_after_seconds=_optional_seconds(
            document.get("resolve_after_seconds"), "resolve_after_seconds", 0
        ),
        suspect_window_seconds=suspect if suspect is not None else DEFAULT_SUSPECT_WINDOW,
    )


def _no_unknown(document: dict[str, Any], known: set[str], path: str) -> None:
    unknown = sorted(set(document) - known)
    if unknown:
        where = f"{path}." if path else ""
        raise RuleError(f"{where}{unknown[0]}", f"unknown field; known: {', '.join(sorted(known))}")


def _text(value: Any, path: str, limit: int = MAX_TEXT, *, required: bool = False) -> str | None:
    if value is None:
        if required:
            raise RuleError(path, "required")
        return None
    if not isinstance(value, str) or not value.strip():
        raise RuleError(path, "must be non-empty text")
    if len(value) > limit:
        raise RuleError(path, f"at most {limit} characters")
    if any(ord(c) < 32 for c in value):
        raise RuleError(path, "must not hold control characters")
    return value.strip()


def _enum(kind: type[E], value: Any, path: str) -> E | None:
    if value is None:
        return None
    try:
        return kind(value)
    except ValueError:
        allowed = ", ".join(m.value for m in kind)
        raise RuleError(path, f"one of {allowed}") from None


def _match(document: Any) -> Match:
    if not isinstance(document, dict):
        raise RuleError("match", "must be an object")
    _no_unknown(document, _MATCH_KEYS, "match")
    endpoint = document.get("endpoint")
    if endpoint is not None and (
        isinstance(endpoint, bool) or not isinstance(endpoint, int) or not 0 < endpoint < 2**62
    ):
        raise RuleError("match.endpoint", "an endpoint id")
    where = document.get("where", [])
    if not isinstance(where, list):
        raise RuleError("match.where", "must be a list of conditions")
    if len(where) > MAX_WHERE:
        raise RuleError("match.where", f"at most {MAX_WHERE} conditions")
    return Match(
        source=_text(document.get("source"), "match.source", 40),
        endpoint=endpoint,
        type=_text(document.get("type"), "match.type", 200),
        category=_enum(Category, document.get("category"), "match.category"),
        service=_text(document.get("service"), "match.service", 300),
        environment=_text(document.get("environment"), "match.environment", 100),
        outcome=_enum(Outcome, document.get("outcome"), "match.outcome"),
        severity=_enum(Severity, document.get("severity"), "match.severity"),
        where=tuple(_where(item, f"match.where.{i}") for i, item in enumerate(where)),
    )


def _where(document: Any, path: str) -> Where:
    if not isinstance(document, dict):
        raise RuleError(path, "must be an object with field, op and value")
    _no_unknown(document, {"field", "op", "value"}, path)
    name = _text(document.get("field"), f"{path}.field", 200, required=True)
    assert name is not None
    if any(not part for part in name.split(".")):
        raise RuleError(f"{path}.field", "a dotted path such as workflow_run.conclusion")
    op = document.get("op")
    if op not in OPS:
        raise RuleError(f"{path}.op", f"one of {', '.join(OPS)}")
    value = document.get("value")
    if op == "exists":
        if value is not None and not isinstance(value, bool):
            raise RuleError(f"{path}.value", "true, false or absent for exists")
        return Where(name, op, value)
    if "value" not in document:
        raise RuleError(f"{path}.value", "required")
    if op in ("gt", "gte", "lt", "lte") and (
        isinstance(value, bool) or not isinstance(value, (int, float, str))
    ):
        raise RuleError(f"{path}.value", "a number (or text, compared as text)")
    if op in ("contains", "matches") and not isinstance(value, str):
        raise RuleError(f"{path}.value", "text")
    if isinstance(value, (dict, list)):
        raise RuleError(f"{path}.value", "a single value, not an object or a list")
    if isinstance(value, str) and len(value) > MAX_TEXT:
        raise RuleError(f"{path}.value", f"at most {MAX_TEXT} characters")
    if op == "matches":
        assert isinstance(value, str)
        try:
            return Where(name, op, value, SafePattern(value))
        except PatternError as error:
            raise RuleError(f"{path}.value", str(error)) from None
    return Where(name, op, value)


def _seconds(value: Any, path: str, *, upper: int = MAX_WINDOW, minimum: int = 1) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise RuleError(path, "a whole number of seconds")
    if not minimum <= value <= upper:
        raise RuleError(path, f"between {minimum} and {upper} seconds")
    return value


def _optional_seconds(value: Any, path: str, minimum: int) -> int | None:
    return _seconds(value, path, minimum=minimum)


def _number(value: Any, path: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise RuleError(path, "a number")
    return float(value)


def _condition(document: Any) -> Condition:
    if document is None:
        raise RuleError("condition", 'required, e.g. {"kind": "every"}')
    if not isinstance(document, dict):
        raise RuleError("condition", "must be an object")
    kind = document.get("kind")
    if kind == "every":
        _no_unknown(document, {"kind"}, "condition")
        return Every()
    if kind == "count":
        _no_unknown(document, {"kind", "threshold", "window_seconds"}, "condition")
        threshold = document.get("threshold")
        if isinstance(threshold, bool) or not isinstance(threshold, int):
            raise RuleError("condition.threshold", "a whole number of events")
        if not 1 <= threshold <= 1_000_000:
            raise RuleError("condition.threshold", "between 1 and 1,000,000")
        window = _seconds(document.get("window_seconds"), "condition.window_seconds")
        if window is None:
            raise RuleError("condition.window_seconds", "required")
        return Count(threshold, window)
    if kind == "absence":
        _no_unknown(document, {"kind", "window_seconds"}, "condition")
        window = _seconds(document.get("window_seconds"), "condition.window_seconds", minimum=60)
        if window is None:
            raise RuleError("condition.window_seconds", "required")
        return Absence(window)
    if kind == "anomaly":
        _no_unknown(document, {"kind", "factor", "min_count"}, "condition")
        factor = _number(document.get("factor"), "condition.factor")
        if not (1.5 <= factor <= 1000 or 0 < factor <= 0.67):
            raise RuleError(
                "condition.factor",
                "1.5 or more watches for spikes, 0.67 or less (above 0) for drops",
            )
        min_count = document.get("min_count", 10)
        if isinstance(min_count, bool) or not isinstance(min_count, int) or min_count < 1:
            raise RuleError("condition.min_count", "a whole number of events, at least 1")
        return Anomaly(factor, min_count)
    raise RuleError("condition.kind", "one of every, count, absence, anomaly")


def _actions(document: Any) -> tuple[Action, ...]:
    if not isinstance(document, list):
        raise RuleError("actions", "must be a list")
    if len(document) > MAX_ACTIONS:
        raise RuleError("actions", f"at most {MAX_ACTIONS}")
    return tuple(_action(item, f"actions.{i}") for i, item in enumerate(document))


def _action(document: Any, path: str) -> Action:
    if not isinstance(document, dict):
        raise RuleError(path, "must be an object")
    kind = document.get("kind")
    if kind == "webhook":
        _no_unknown(document, {"kind", "url", "secret"}, path)
        url = _url(document.get("url"), f"{path}.url", ("https", "http"))
        secret = document.get("secret")
        if secret is not None and not _webhook_secret(secret):
            raise RuleError(f"{path}.secret", "a Standard Webhooks secret (whsec_…)")
        return Action("webhook", url=url, secret=secret)
    if kind == "apprise":
        _no_unknown(document, {"kind", "url"}, path)
        address = _text(document.get("url"), f"{path}.url", 2000, required=True)
        if address is None or "://" not in address:
            raise RuleError(f"{path}.url", "an Apprise URL such as slack://… or ntfy://…")
        return Action("apprise", url=address)
    if kind == "email":
        _no_unknown(document, {"kind", "to"}, path)
        to = document.get("to")
        if not isinstance(to, list) or not to or len(to) > 50:
            raise RuleError(f"{path}.to", "a list of 1 to 50 addresses")
        addresses = []
        for i, address in enumerate(to):
            if not isinstance(address, str) or not _looks_like_address(address):
                raise RuleError(f"{path}.to.{i}", "an e-mail address")
            addresses.append(address.strip())
        return Action("email", to=tuple(addresses))
    if kind == "browser":
        _no_unknown(document, {"kind"}, path)
        return Action("browser")
    raise RuleError(f"{path}.kind", "one of webhook, apprise, email, browser")


def _webhook_secret(value: Any) -> bool:
    """A `whsec_…` secret as typed, or one sealed at rest (alerts/rule_secrets.py)."""
    if not isinstance(value, str):
        return False
    if value.startswith(SEALED):
        return len(value) <= 1000
    return value.startswith("whsec_") and len(value) <= 200


def _url(value: Any, path: str, schemes: tuple[str, ...]) -> str:
    url = _text(value, path, 2000, required=True)
    assert url is not None
    scheme = url.split("://", 1)[0].lower() if "://" in url else ""
    if scheme not in schemes:
        raise RuleError(path, f"a {' or '.join(schemes)} URL")
    return url


def _looks_like_address(address: str) -> bool:
    local, at, domain = address.strip().rpartition("@")
    return (
        bool(at and local and "." in domain)
        and len(address) <= 254
        and not any(c.isspace() or c in "<>,;\"'" for c in address.strip())
    )


def _moment(value: Any, path: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, str) or len(value) > 40:
        raise RuleError(path, "an ISO-8601 time such as 2026-12-24T00:00:00Z")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise RuleError(path, "an ISO-8601 time such as 2026-12-24T00:00:00Z") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 9999-12-31T23:59:59-23:59 is past the last moment Python holds
        raise RuleError(path, "a time before the year 9999") from None
