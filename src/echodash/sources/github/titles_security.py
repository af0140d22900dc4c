"""Titles for GitHub's security events: Dependabot, code scanning and secret scanning
alerts, vulnerability alerts and advisories. Open alerts warn, or are errors when critical or
high; fixed and dismissed ones are good news."""

from __future__ import annotations

from echodash.events import Category, EventDraft, FieldValue, Severity
from echodash.sources.github.reader import Payload
from echodash.sources.kit.payload import line
from echodash.sources.kit.text import ref_name, words
from echodash.sources.kit.titles import TitleBook

TITLES: TitleBook[Payload] = TitleBook()
builds = TITLES.builds

_OPENING = {
    "created",
    "create",
    "reopened",
    "reopened_by_user",
    "auto_reopened",
    "reintroduced",
    "appeared_in_branch",
    "publicly_leaked",
    "published",
    "updated",
}
_CLOSING = {
    "fixed",
    "resolved",
    "resolve",
    "dismissed",
    "dismiss",
    "auto_dismissed",
    "closed_by_user",
}
_ALERT_VERBS = {
    "created": "opened",
    "create": "opened",
    "dismiss": "dismissed",
    "resolve": "resolved",
    "closed_by_user": "dismissed",
    "reopened_by_user": "reopened",
}
_HIGH = {"critical", "high", "error"}


def _alert_severity(action: str | None, level: str | None) -> Severity:
    """Open alerts warn (error when critical/high); fixed or dismissed ones are good news."""
    if action in _CLOSING:
        return Severity.SUCCESS
    if action in _OPENING:
        return Severity.ERROR if (level or "").lower() in _HIGH else Severity.WARNING
    return Severity.INFO


def _alert(
    p: Payload,
    kind: str,
    about: str | None,
    level: str | None,
    *,
    url: str | None = None,
    fields: dict[str, FieldValue] | None = None,
) -> EventDraft:
    number = p.number("alert.number")
    verb = _ALERT_VERBS.get(p.action or "", words(p.action or "updated"))
    label = kind + (f" #{number}" if number is not None else "")
    title = f"{label} {verb}{p.where}" + (f": {about}" if about else "")
    return p.draft(
        title + (f" ({level})" if level else ""),
        url=url or p.link("alert.html_url"),
        occurred_at=p.time(
            "alert.fixed_at", "alert.dismissed_at", "alert.resolved_at", "alert.updated_at"
        )
        or p.time("alert.created_at"),
        severity=_alert_severity(p.action, level),
        tags=["security", level],
        category=Category.ALERT,
        fields={
            "alert": number,
            "state": p.text("alert.state", 40),
            "severity": level,
            **(fields or {}),
        },
    )


@builds("dependabot_alert")
def _dependabot_alert(p: Payload) -> EventDraft:
    package = p.text("alert.dependency.package.name", 100)
    return _alert(
        p,
        "Dependabot alert",
        p.text("alert.security_advisory.summary", 160) or package,
        p.text("alert.security_advisory.severity", 20)
        or p.text("alert.security_vulnerability.severity", 20),
        fields={"package": package, "ghsa": p.text("alert.security_advisory.ghsa_id", 40)},
    )


@builds("code_scanning_alert")
def _code_scanning_alert(p: Payload) -> EventDraft:
    rule = (
        p.text("alert.rule.description", 160)
        or p.text("alert.rule.name")
        or p.text("alert.rule.id")
    )
    # `security_severity_level` (critical/high/…) is set for security queries; other rules
    # only have `severity` (error/warning/note), where `error` ranks as high.
    level = p.text("alert.rule.security_severity_level", 20) or p.text("alert.rule.severity", 20)
    return _alert(
        p,
        "Code scanning alert",
        rule,
        level,
        fields={"tool": p.text("alert.tool.name", 80), "ref": ref_name(p.text("ref", 200))},
    )


@builds("secret_scanning_alert")
def _secret_scanning_alert(p: Payload) -> EventDraft:
    secret = p.text("alert.secret_type_display_name", 100) or p.text("alert.secret_type", 100)
    # Secret alerts carry no severity: a leaked credential always ranks as high.
    return _alert(
        p,
        "Secret scanning alert",
        secret,
        "high" if p.action in _OPENING else None,
        fields={"secret_type": p.text("alert.secret_type", 100)},
    )


@builds("repository_vulnerability_alert")
def _vulnerability_alert(p: Payload) -> EventDraft:
    package = p.text("alert.affected_package_name", 100)
    fixed_in = p.text("alert.fixed_in", 40)
    about = (package or "a dependency") + (f" (fixed in {fixed_in})" if fixed_in else "")
    return _alert(
        p,
        "Vulnerability alert",
        about,
        p.text("alert.severity", 20),
        url=p.link("alert.external_reference"),
        fields={"package": package, "ghsa": p.text("alert.ghsa_id", 40)},
    )


_ADVISORY_KINDS = {"security_advisory": "Security advisory", "repository_advisory": "Advisory"}


def _advisory_severity(action: str | None, level: str | None) -> Severity:
    if action == "withdrawn":
        return Severity.INFO
    if action == "reported":  # a vulnerability reported privately waits for the maintainers
        return Severity.WARNING
    return _alert_severity(action, level)


@builds(*_ADVISORY_KINDS)
def _advisory(p: Payload) -> EventDraft:
    """GitHub's global advisories, and a repository's own (reported privately, published)."""
    adv = p.event if p.event in _ADVISORY_KINDS else "security_advisory"
    ghsa, level = p.text(f"{adv}.ghsa_id", 40), p.text(f"{adv}.severity", 20)
    summary = p.text(f"{adv}.summary", 160)
    verb = words(p.action or "updated")
    if summary and summary.lower().startswith(f"{verb}:"):  # "Withdrawn: …" says it twice
        summary = summary[len(verb) + 1 :].strip() or None
    title = _ADVISORY_KINDS[adv] + (f" {ghsa}" if ghsa else "") + f" {verb}{p.where}"
    title += (f": {summary}" if summary else "") + (f" ({level})" if level else "")
    return p.draft(
        title,
        url=p.link(f"{adv}.html_url", f"{adv}.references.0.url"),
        occurred_at=p.time(f"{adv}.withdrawn_at", f"{adv}.updated_at", f"{adv}.published_at"),
        severity=_advisory_severity(p.action, level),
        tags=["security", level],
        category=Category.ALERT,
        fields={
            "ghsa": ghsa,
            "cve": p.text(f"{adv}.cve_id", 40),
            "severity": level,
            "package": p.text(f"{adv}.vulnerabilities.0.package.name", 100),
        },
        summary=line(p.get(f"{adv}.description"), 300),
    )


@builds("secret_scanning_alert_location")
def _secret_scanning_alert_location(p: Payload) -> EventDraft:
    number = p.number("alert.number")
    secret = p.text("alert.secret_type_display_name", 100) or p.text("alert.secret_type", 100)
    kind = p.text("location.type", 40)
    place = p.text("location.details.path", 200) or (words(kind) if kind else "another place")
    label = "Secret scanning alert" + (f" #{number}" if number is not None else "")
    sha = p.sha("location.details.commit_sha")
    return p.draft(
        f"{label}{p.where}: " + (f"{secret} " if secret else "the secret ") + f"found in {place}",
        url=p.link("alert.html_url"),
        # The same leaked secret in one more place: one more place to clean up.
        severity=Severity.WARNING,
        tags=["security"],
        category=Category.ALERT,
        commits=[sha],
        fields={
            "alert": number,
            "secret_type": p.text("alert.secret_type", 100),
            "location": kind,
            "path": p.text("location.details.path", 200),
            "line": p.number("location.details.start_line"),
        },
    )


@builds("secret_scanning_scan")
def _secret_scanning_scan(p: Payload) -> EventDraft:
    kind, source = p.text("type", 40), p.text("source", 40)
    what = "Secret scanning" + (f" {words(kind)}" if kind else "") + " scan"
    return p.draft(
        what + (f" of {words(source)}" if source else "") + f" {p.verb('completed')}{p.where}",
        occurred_at=p.time("completed_at", "started_at"),
        tags=["security"],
        category=Category.ALERT,
        fields={"scan": kind, "source": source, "pattern": p.text("custom_pattern_name", 100)},
    )


@builds("security_and_analysis")
def _security_and_analysis(p: Payload) -> EventDraft:
    before = p.get("changes.from.security_and_analysis")
    features = [key for key in before if isinstance(key, str)] if isinstance(before, dict) else []
    now = {key: p.text(f"repository.security_and_analysis.{key}.status", 20) for key in features}
    off = [words(key) for key, status in now.items() if status == "disabled"]
    on = [words(key) for key, status in now.items() if status == "enabled"]
    changes = ([f"turned off {', '.join(off)}"] if off else []) + (
        [f"turned on {', '.join(on)}"] if on else []
    )
    repo = p.subject or "a repository"
    title = f"{p.who} " + (
        " and ".join(changes) + f" for {repo}"
        if changes
        else f"changed the security settings of {repo}"
    )
    return p.draft(
        title,
        url=(f"{home}/settings/security_analysis" if (home := p.home()) else None),
        # A security feature switched off leaves the repository less watched.
        severity=Severity.WARNING if off else Severity.INFO,
        tags=["security"],
        category=Category.CONFIG,
        fields={"turned_off": ", ".join(off) or None, "turned_on": ", ".join(on) or None},
    )
