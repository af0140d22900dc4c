"""One readable line per Acme event type."""

from __future__ import annotations

from echodash.sources import Category, EventDraft, Outcome, Severity, TitleBook
from echodash_acme.reader import Deploy

TITLES: TitleBook[Deploy] = TitleBook()
STATUSES = {
    "started": (Outcome.STARTED, Severity.INFO),
    "succeeded": (Outcome.SUCCESS, Severity.SUCCESS),
    "failed": (Outcome.FAILURE, Severity.ERROR),
}


@TITLES.builds("deploy.started", "deploy.finished")
def deploy(p: Deploy) -> EventDraft:
    status = p.text("status", 40)
    outcome, severity = STATUSES.get(status or "", (None, Severity.INFO))
    return p.draft(
        f"Deploy of {p.subject or 'a service'} {status or 'reported'}",
        severity=severity,
        category=Category.DEPLOYMENT,
        outcome=outcome,
        commits=[p.text("sha", 40)],
        fields={"status": status},
    )
