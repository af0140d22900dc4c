"""The alerts lines: "Alert firing: Failed deploys — 5 or more within 10 min (web)"."""

from __future__ import annotations

from echodash.events import Category, EventDraft, FieldValue, Outcome, Severity
from echodash.sources.alerts.reader import AlertNotice
from echodash.sources.kit.titles import TitleBook

TITLES: TitleBook[AlertNotice] = TitleBook()


@TITLES.builds("alert.firing")
def _firing(p: AlertNotice) -> EventDraft:
    """An alert opened: an error (critical when its rule watches critical events only)."""
    reason = p.reason
    return _draft(
        p,
        f"Alert firing: {p.rule_name}{f' — {reason}' if reason else ''}{_group(p)}",
        Severity.CRITICAL if p.critical else Severity.ERROR,
        Outcome.FAILURE,
        ("alert.opened_at",),
    )


@TITLES.builds("alert.resolved")
def _resolved(p: AlertNotice) -> EventDraft:
    """An alert resolved: by its rule's own terms, or by someone (`by`)."""
    by = f" by {p.actor}" if p.actor else ""
    return _draft(
        p,
        f"Alert resolved{by}: {p.rule_name}{_group(p)}",
        Severity.SUCCESS,
        Outcome.SUCCESS,
        ("alert.resolved_at",),
    )


@TITLES.builds("alert.acknowledged")
def _acknowledged(p: AlertNotice) -> EventDraft:
    """Someone took an alert on."""
    by = f" by {p.actor}" if p.actor else ""
    return _draft(
        p, f"Alert acknowledged{by}: {p.rule_name}{_group(p)}", Severity.INFO, None,
        ("alert.acknowledged_at",),
    )  # fmt: skip


def _group(p: AlertNotice) -> str:
    group = p.group
    return f" ({group})" if group else ""


def _draft(
    p: AlertNotice,
    title: str,
    severity: Severity,
    outcome: Outcome | None,
    when: tuple[str, ...],
) -> EventDraft:
    fields: dict[str, FieldValue] = {"alert": p.alert_id, "rule": p.rule_name}
    if p.event_count is not None:
        fields["events"] = p.event_count
    if p.top_suspect:
        fields["suspect"] = p.top_suspect
    return EventDraft(
        type=p.type,
        title=title,
        summary=p.reason or "",
        actor=p.actor,
        subject=p.subject,
        url=p.home(),
        occurred_at=p.when(*when),
        severity=severity,
        tags=("alert",),
        fields=fields,
        category=Category.INCIDENT,
        service=p.service,
        outcome=outcome,
    )
