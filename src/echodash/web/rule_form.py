"""The rule editor's form: a rule document built from the fields people fill in, the fields
filled from a stored rule, a RuleError's path turned into the field to mark, and rules in words.

The form covers the common case. What it has no field for — a rule's endpoint, its mute time,
its maintenance windows, a second webhook — is carried over from the stored rule untouched, so
saving from the page never drops what was set through the API.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from echodash.alerts.rules import OPS, Absence, Anomaly, Count, Every, Match, Rule, RuleError
from echodash.events import Category, Outcome, Severity

# Where conditions shown: the stored ones and at least this many empty rows to fill.
EMPTY_WHERE_ROWS = 3
MAX_WHERE_ROWS = 20
CONDITION_KINDS = ("every", "count", "absence", "anomaly")
SEVERITIES = tuple(s.value for s in Severity)
CATEGORIES = tuple(c.value for c in Category)
OUTCOMES = tuple(o.value for o in Outcome)
WHERE_OPS = OPS
# The form's text fields for the match and their keys in the rule's `match`.
MATCH_FIELDS = ("source", "type", "category", "service", "environment", "outcome", "severity")
# The editable actions: the first of each kind; further ones are kept as they are.
ACTION_KINDS = ("webhook", "apprise", "email", "browser")
# Top-level keys the form edits; every other stored key is kept.
EDITED_KEYS = {
    "name",
    "match",
    "condition",
    "actions",
    "repeat_seconds",
    "group_by",
    "resolve_after_seconds",
    "suspect_window_seconds",
}
# Match keys the form has no field for (kept from the stored rule).
KEPT_MATCH_KEYS = ("endpoint",)


class FormError(ValueError):
    """A field the form itself cannot read (a window that is not a number of minutes)."""

    def __init__(self, name: str, message: str) -> None:
        super().__init__(message)
        self.name = name
        self.message = message


@dataclass
class RuleForm:
    """The editor's values, as text (what the inputs show)."""

    values: dict[str, str] = field(default_factory=dict)
    where: list[tuple[str, str, str]] = field(default_factory=list)  # field, op, value
    enabled: bool = True
    browser: bool = False
    secret_saved: bool = False  # a webhook secret is stored (never shown)
    kept_actions: int = 0  # actions the form does not edit, carried over

    def get(self, name: str) -> str:
        return self.values.get(name, "")

    def where_rows(self) -> list[tuple[int, str, str, str]]:
        rows = list(self.where)
        wanted = min(MAX_WHERE_ROWS, max(len(rows) + 1, EMPTY_WHERE_ROWS))
        rows += [("", "eq", "")] * (wanted - len(rows))
        return [(i, f, op, v) for i, (f, op, v) in enumerate(rows)]


def _minutes(seconds: Any) -> str:
    if not isinstance(seconds, int) or isinstance(seconds, bool):
        return ""
    minutes = seconds / 60
    return str(int(minutes)) if minutes == int(minutes) else f"{minutes:g}"


def _shown(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return "" if value is None else str(value)


def form_of(document: dict[str, Any], enabled: bool = True) -> RuleForm:
    """The editor's values for a stored rule (a webhook secret is never put in a field)."""
    form = RuleForm(enabled=enabled)
    values = form.values
    values["name"] = _shown(document.get("name"))
    match = document.get("match") or {}
    for name in MATCH_FIELDS:
        values[f"match_{name}"] = _shown(match.get(name))
    form.where = [
        (_shown(w.get("field")), _shown(w.get("op")) or "eq", _shown(w.get("value")))
        for w in match.get("where") or []
        if isinstance(w, dict)
    ]
    condition = document.get("condition") or {}
    kind = condition.get("kind", "count")
    values["cond_kind"] = kind if kind in CONDITION_KINDS else "count"
    # The kind not chosen (and a new rule) shows a sensible start rather than empty boxes.
    window = _minutes(condition.get("window_seconds"))
    values["count_threshold"] = (kind == "count" and _shown(condition.get("threshold"))) or "5"
    values["count_window"] = (kind == "count" and window) or "10"
    values["absence_window"] = (kind == "absence" and window) or "60"
    values["anomaly_factor"] = (kind == "anomaly" and _shown(condition.get("factor"))) or "3"
    values["anomaly_min_count"] = (kind == "anomaly" and _shown(condition.get("min_count"))) or "10"
    seen: set[str] = set()
    for action in document.get("actions") or []:
        kind = action.get("kind") if isinstance(action, dict) else None
        if kind not in ACTION_KINDS or kind in seen:
            form.kept_actions += 1
            continue
        seen.add(kind)
        if kind == "webhook":
            values["webhook_url"] = _shown(action.get("url"))
            form.secret_saved = bool(action.get("secret"))
        elif kind == "apprise":
            values["apprise_url"] = _shown(action.get("url"))
        elif kind == "email":
            values["email_to"] = ", ".join(str(a) for a in action.get("to") or [])
        else:
            form.browser = True
    values["repeat"] = _minutes(document.get("repeat_seconds"))
    values["resolve_after"] = _minutes(document.get("resolve_after_seconds"))
    values["suspect_window"] = _minutes(document.get("suspect_window_seconds", 7200))
    values["group_by"] = "service" if document.get("group_by") == "service" else ""
    return form


def new_form() -> RuleForm:
    """A new rule's editor: a count rule, the common case."""
    return form_of({"condition": {"kind": "count"}, "actions": [{"kind": "browser"}]})


def read_rule_form(fields: dict[str, str], stored: dict[str, Any] | None) -> RuleForm:
    """The submitted editor as text (to show again when something is wrong)."""
    form = RuleForm(
        values={k: v for k, v in fields.items() if not k.startswith("where_") and k != "csrf"},
        enabled=fields.get("enabled") == "on",
        browser=fields.get("browser") == "on",
    )
    for i in range(MAX_WHERE_ROWS):
        name = fields.get(f"where_field_{i}", "")
        op = fields.get(f"where_op_{i}", "eq")
        value = fields.get(f"where_value_{i}", "")
        if name.strip() or value.strip():
            form.where.append((name, op, value))
    before = form_of(stored) if stored is not None else RuleForm()
    form.secret_saved = before.secret_saved and not fields.get("remove_secret")
    form.kept_actions = before.kept_actions
    form.values.pop("webhook_secret", None)  # never echoed back into the page
    return form


def _seconds_of(text: str, name: str, *, required: bool = False) -> int | None:
    text = text.strip()
    if not text:
        if required:
            raise FormError(name, "required: a number of minutes")
        return None
    try:
        minutes = float(text)
    except ValueError:
        raise FormError(name, "a number of minutes") from None
    if not 0 <= minutes <= 1e7:
        raise FormError(name, "a number of minutes")
    return round(minutes * 60)


def _whole(text: str, name: str) -> int:
    try:
        return int(text.strip())
    except ValueError:
        raise FormError(name, "a whole number") from None


def _number(text: str, name: str) -> float:
    try:
        return float(text.strip())
    except ValueError:
        raise FormError(name, "a number such as 3 (spikes) or 0.5 (drops)") from None


def _where_value(op: str, text: str) -> Any:
    """Text as typed; true/false as booleans, since a body's booleans equal only those."""
    if text in ("true", "false"):
        return text == "true"
    if op == "exists" and not text:
        return None
    return text


def build_document(
    fields: dict[str, str], stored: dict[str, Any] | None
) -> tuple[dict[str, Any], dict[int, int]]:
    """The rule's document from the form, and which form field each action came from
    (action index → position in ACTION_KINDS) so an error can be put next to it.
    FormError for a field the form cannot read; `parse_rule` checks the rest."""
    base = dict(stored or {})
    document: dict[str, Any] = {k: v for k, v in base.items() if k not in EDITED_KEYS}
    document["name"] = fields.get("name", "").strip() or None
    match: dict[str, Any] = {
        k: v for k, v in (base.get("match") or {}).items() if k in KEPT_MATCH_KEYS
    }
    for name in MATCH_FIELDS:
        value = fields.get(f"match_{name}", "").strip()
        if value:
            match[name] = value
    where = []
    for i in range(MAX_WHERE_ROWS):
        name = fields.get(f"where_field_{i}", "").strip()
        value = fields.get(f"where_value_{i}", "")
        if not name and not value.strip():
            continue
        op = fields.get(f"where_op_{i}", "eq")
        item: dict[str, Any] = {"field": name or None, "op": op}
        parsed = _where_value(op, value.strip())
        if parsed is not None or op != "exists":
            item["value"] = parsed
        where.append(item)
    if where:
        match["where"] = where
    document["match"] = match
    document["condition"] = _condition(fields)
    actions, origin = _actions(fields, base)
    document["actions"] = actions
    for key, name, required in (
        ("repeat_seconds", "repeat", False),
        ("resolve_after_seconds", "resolve_after", False),
        ("suspect_window_seconds", "suspect_window", False),
    ):
        seconds = _seconds_of(fields.get(name, ""), name, required=required)
        if seconds is not None:
            document[key] = seconds
    if fields.get("group_by") == "service":
        document["group_by"] = "service"
    return {k: v for k, v in document.items() if v is not None}, origin


def _condition(fields: dict[str, str]) -> dict[str, Any]:
    kind = fields.get("cond_kind", "")
    if kind == "every":
        return {"kind": "every"}
    if kind == "count":
        return {
            "kind": "count",
            "threshold": _whole(fields.get("count_threshold", ""), "count_threshold"),
            "window_seconds": _seconds_of(
                fields.get("count_window", ""), "count_window", required=True
            ),
        }
    if kind == "absence":
        return {
            "kind": "absence",
            "window_seconds": _seconds_of(
                fields.get("absence_window", ""), "absence_window", required=True
            ),
        }
    if kind == "anomaly":
        found: dict[str, Any] = {
            "kind": "anomaly",
            "factor": _number(fields.get("anomaly_factor", ""), "anomaly_factor"),
        }
        if fields.get("anomaly_min_count", "").strip():
            found["min_count"] = _whole(fields["anomaly_min_count"], "anomaly_min_count")
        return found
    return {"kind": kind or None}


def _actions(
    fields: dict[str, str], stored: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[int, int]]:
    saved = [a for a in stored.get("actions") or [] if isinstance(a, dict)]
    first: dict[str, dict[str, Any]] = {}
    kept: list[dict[str, Any]] = []
    for action in saved:
        kind = action.get("kind")
        if isinstance(kind, str) and kind in ACTION_KINDS and kind not in first:
            first[kind] = action
        else:
            kept.append(action)
    actions: list[dict[str, Any]] = []
    origin: dict[int, int] = {}
    url = fields.get("webhook_url", "").strip()
    if url:
        webhook: dict[str, Any] = {"kind": "webhook", "url": url}
        secret = fields.get("webhook_secret", "").strip()
        before = first.get("webhook", {}).get("secret")
        if secret:
            webhook["secret"] = secret
        elif isinstance(before, str) and not fields.get("remove_secret"):
            webhook["secret"] = before  # left empty: the saved secret stays
        origin[len(actions)] = 0
        actions.append(webhook)
    apprise = fields.get("apprise_url", "").strip()
    if apprise:
        origin[len(actions)] = 1
        actions.append({"kind": "apprise", "url": apprise})
    emails = [a.strip() for a in fields.get("email_to", "").replace(";", ",").split(",")]
    if any(emails):
        origin[len(actions)] = 2
        actions.append({"kind": "email", "to": [a for a in emails if a]})
    if fields.get("browser") == "on":
        origin[len(actions)] = 3
        actions.append({"kind": "browser"})
    return actions + kept, origin


_ACTION_FIELDS = {
    ("webhook", "url"): "webhook_url",
    ("webhook", "secret"): "webhook_secret",
    ("apprise", "url"): "apprise_url",
    ("email", "to"): "email_to",
}


def field_of(error: RuleError, document: dict[str, Any], origin: dict[int, int]) -> str:
    """The form field a RuleError's path names ("" when it names none of them)."""
    parts = error.path.split(".") if error.path else []
    if not parts:
        return ""
    head = parts[0]
    if head == "name":
        return "name"
    if head == "match" and len(parts) > 1:
        if parts[1] == "where" and len(parts) > 2 and parts[2].isdigit():
            column = parts[3] if len(parts) > 3 else "field"
            # Empty rows are skipped alike when the document is built and when the form is
            # shown again: the n-th condition is the n-th row on the page.
            return f"where_{column}_{int(parts[2])}"
        return f"match_{parts[1]}"
    if head == "condition":
        kind = (document.get("condition") or {}).get("kind")
        leaf = parts[1] if len(parts) > 1 else "kind"
        names = {
            "kind": "cond_kind",
            "threshold": "count_threshold",
            "factor": "anomaly_factor",
            "min_count": "anomaly_min_count",
            "window_seconds": "absence_window" if kind == "absence" else "count_window",
        }
        return names.get(leaf, "cond_kind")
    if head == "actions" and len(parts) > 1 and parts[1].isdigit():
        position = origin.get(int(parts[1]))
        if position is None:
            return ""
        kind = ACTION_KINDS[position]
        leaf = parts[2] if len(parts) > 2 else ""
        return _ACTION_FIELDS.get((kind, leaf), f"{kind}_url" if kind != "email" else "email_to")
    simple = {
        "repeat_seconds": "repeat",
        "resolve_after_seconds": "resolve_after",
        "suspect_window_seconds": "suspect_window",
        "group_by": "group_by",
    }
    return simple.get(head, "")


# Rules in words -------------------------------------------------------------------------


def duration(seconds: int) -> str:
    """ "45 s", "10 min", "2 h", "1 h 30 min", "3 days"."""
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        minutes, rest = divmod(seconds, 60)
        return f"{minutes} min" + (f" {rest} s" if rest else "")
    if seconds < 86400 or seconds % 86400:
        hours, rest = divmod(seconds, 3600)
        if hours >= 48 and not rest % 3600:
            return f"{hours} h"
        return f"{hours} h" + (f" {rest // 60} min" if rest // 60 else "")
    days = seconds // 86400
    return f"{days} day{'' if days == 1 else 's'}"


def condition_words(rule: Rule) -> str:
    condition = rule.condition
    if isinstance(condition, Every):
        return "every matching event"
    if isinstance(condition, Count):
        return f"{condition.threshold} or more within {duration(condition.window_seconds)}"
    if isinstance(condition, Absence):
        return f"none for {duration(condition.window_seconds)}"
    assert isinstance(condition, Anomaly)
    if condition.factor >= 1:
        return f"{condition.factor:g} times the usual hourly rate or more"
    return f"{condition.factor:g} times the usual hourly rate or less"


def match_words(match: Match) -> str:
    parts: list[str] = []
    if match.source:
        parts.append(match.source)
    if match.type:
        parts.append(match.type)
    if match.category:
        parts.append(match.category.value)
    if match.service:
        parts.append(f"service {match.service}")
    if match.environment:
        parts.append(match.environment)
    if match.outcome:
        parts.append(match.outcome.value)
    if match.severity:
        parts.append(f"{match.severity.value} or worse")
    if match.where:
        count = len(match.where)
        parts.append(f"{count} condition{'' if count == 1 else 's'}")
    return " · ".join(parts) or "every event"


def action_words(rule: Rule) -> list[str]:
    """Where a rule's notifications go, without what would let anyone else send there."""
    found = []
    for action in rule.actions:
        if action.kind == "webhook" and action.url:
            host = action.url.split("://", 1)[-1].split("/", 1)[0].rsplit("@", 1)[-1]
            found.append(f"webhook to {host}")
        elif action.kind == "apprise" and action.url:
            found.append(f"{action.url.split('://', 1)[0]} (Apprise)")
        elif action.kind == "email":
            count = len(action.to)
            found.append(f"e-mail to {count} address{'' if count == 1 else 'es'}")
        elif action.kind == "browser":
            found.append("browser")
    return found
