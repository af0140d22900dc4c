"""Titles for GitHub's health events: workflow runs and jobs, checks, commit statuses,
deployments and security alerts. These carry the severities alert rules care about."""

from __future__ import annotations

from echodash.events import Category, EventDraft, FieldValue, Outcome, Severity
from echodash.sources.github.reader import Payload
from echodash.sources.kit.payload import line
from echodash.sources.kit.text import ref_name, short_sha, words
from echodash.sources.kit.titles import TitleBook

TITLES: TitleBook[Payload] = TitleBook()
builds = TITLES.builds

_CONCLUSION_PHRASES = {
    "success": "succeeded",
    "failure": "failed",
    "timed_out": "timed out",
    "cancelled": "was cancelled",
    "skipped": "was skipped",
    "neutral": "finished as neutral",
    "action_required": "requires action",
    "stale": "went stale",
    "startup_failure": "failed to start",
}
_STATUS_PHRASES = {
    "requested": "was requested",
    "queued": "is queued",
    "waiting": "is waiting",
    "pending": "is pending",
    "in_progress": "is running",
    "completed": "completed",
}
_CONCLUSION_SEVERITY = {
    "failure": Severity.ERROR,
    "timed_out": Severity.ERROR,
    "startup_failure": Severity.ERROR,
    "success": Severity.SUCCESS,
    "cancelled": Severity.WARNING,
    "action_required": Severity.WARNING,
}


# How a run or check went, from its conclusion (docs/events.md): `neutral` passes (GitHub's
# branch protection counts it as passing), `action_required` stopped for a person, and a
# `stale` suite was given up on by GitHub.
_CONCLUSION_OUTCOMES = {
    "success": Outcome.SUCCESS,
    "neutral": Outcome.SUCCESS,
    "failure": Outcome.FAILURE,
    "timed_out": Outcome.FAILURE,
    "startup_failure": Outcome.FAILURE,
    "action_required": Outcome.FAILURE,
    "cancelled": Outcome.CANCELLED,
    "stale": Outcome.CANCELLED,
    "skipped": Outcome.SKIPPED,
}
_RUNNING = {"requested", "rerequested", "queued", "waiting", "pending", "in_progress"}


def run_outcome(status: str | None, conclusion: str | None) -> Outcome | None:
    """`success`, `failure`… once a run has a conclusion; `started` while it waits or runs."""
    if conclusion:
        return _CONCLUSION_OUTCOMES.get(conclusion)
    return Outcome.STARTED if status in _RUNNING else None


def _phrase(status: str | None, conclusion: str | None, action: str | None) -> str:
    """`failed`, `is running`… from a run's conclusion, else its status, else the action."""
    if conclusion:
        return _CONCLUSION_PHRASES.get(conclusion, f"completed ({words(conclusion)})")
    key = status or action or "updated"
    return _STATUS_PHRASES.get(key, words(key))


def _severity(conclusion: str | None) -> Severity:
    return _CONCLUSION_SEVERITY.get(conclusion or "", Severity.INFO)


def _on(branch: str | None, sha: str | None = None) -> str:
    return f" on {branch}" if branch else f" on {sha}" if sha else ""


@builds("workflow_run")
def _workflow_run(p: Payload) -> EventDraft:
    run = "workflow_run"
    name = p.text(f"{run}.name") or p.text("workflow.name") or "workflow"
    branch, conclusion = p.text(f"{run}.head_branch", 100), p.text(f"{run}.conclusion", 40)
    status = p.text(f"{run}.status", 40)
    phrase = _phrase(status, conclusion, p.action)
    return p.draft(
        f"Workflow {name} {phrase}{_on(branch)}{p.where}",
        url=p.link(f"{run}.html_url"),
        occurred_at=p.time(f"{run}.updated_at", f"{run}.run_started_at", f"{run}.created_at"),
        severity=_severity(conclusion),
        tags=[branch, conclusion],
        category=Category.BUILD,
        outcome=run_outcome(status or p.action, conclusion),
        commits=[p.sha(f"{run}.head_sha")],
        fields={
            "workflow": name,
            "branch": branch,
            "status": status,
            "conclusion": conclusion,
            "run": p.number(f"{run}.run_number"),
            "attempt": p.number(f"{run}.run_attempt"),
            "trigger": p.text(f"{run}.event", 40),
            "sha": short_sha(p.text(f"{run}.head_sha", 40)),
        },
        summary=p.text(f"{run}.display_title", 300),
    )


@builds("workflow_job")
def _workflow_job(p: Payload) -> EventDraft:
    job = "workflow_job"
    name, workflow = p.text(f"{job}.name") or "job", p.text(f"{job}.workflow_name")
    branch, conclusion = p.text(f"{job}.head_branch", 100), p.text(f"{job}.conclusion", 40)
    status = p.text(f"{job}.status", 40)
    # A job's status lags its action in some deliveries (`queued` with status `waiting`).
    current = p.action if p.action in _STATUS_PHRASES else status
    phrase = _phrase(current, conclusion, p.action)
    of_workflow = f" of workflow {workflow}" if workflow else ""
    return p.draft(
        f"Job {name}{of_workflow} {phrase}{_on(branch)}{p.where}",
        url=p.link(f"{job}.html_url"),
        occurred_at=p.time(f"{job}.completed_at", f"{job}.started_at", f"{job}.created_at"),
        severity=_severity(conclusion),
        tags=[branch, conclusion],
        category=Category.BUILD,
        outcome=run_outcome(current, conclusion),
        commits=[p.sha(f"{job}.head_sha")],
        fields={
            "job": name,
            "workflow": workflow,
            "branch": branch,
            "status": status,
            "conclusion": conclusion,
            "runner": p.text(f"{job}.runner_name", 80),
            "sha": short_sha(p.text(f"{job}.head_sha", 40)),
        },
    )


@builds("check_run")
def _check_run(p: Payload) -> EventDraft:
    check = "check_run"
    name = p.text(f"{check}.name") or "check"
    branch, sha = p.text(f"{check}.check_suite.head_branch", 100), p.sha(f"{check}.head_sha")
    conclusion, status = p.text(f"{check}.conclusion", 40), p.text(f"{check}.status", 40)
    # A re-run starts the check again: the payload still holds the last run's conclusion.
    outcome = run_outcome(status or p.action, conclusion)
    if p.action == "rerequested":
        title = f"{p.who} re-ran check {name}{_on(branch, short_sha(sha))}{p.where}"
        outcome = Outcome.STARTED
    elif p.action == "requested_action":
        title = f"{p.who} requested an action on check {name}{p.where}"
        outcome = None
    else:
        title = f"Check {name} {_phrase(status, conclusion, p.action)}"
        title += _on(branch, short_sha(sha)) + p.where
    return p.draft(
        title,
        url=p.link(f"{check}.html_url", f"{check}.details_url"),
        occurred_at=p.time(f"{check}.completed_at", f"{check}.started_at"),
        severity=_severity(conclusion) if p.action != "rerequested" else Severity.INFO,
        tags=[branch, conclusion],
        category=Category.BUILD,
        outcome=outcome,
        commits=[sha],
        fields={
            "check": name,
            "app": p.text(f"{check}.app.name", 80),
            "status": status,
            "conclusion": conclusion,
            "branch": branch,
            "sha": short_sha(sha),
        },
    )


@builds("check_suite")
def _check_suite(p: Payload) -> EventDraft:
    suite = "check_suite"
    app = p.text(f"{suite}.app.name", 80)
    branch, sha = p.text(f"{suite}.head_branch", 100), p.sha(f"{suite}.head_sha")
    conclusion, status = p.text(f"{suite}.conclusion", 40), p.text(f"{suite}.status", 40)
    what = f"check suite {app}" if app else "a check suite"
    outcome = run_outcome(status or p.action, conclusion)
    if p.action == "rerequested":
        title = f"{p.who} re-ran {what}{_on(branch, short_sha(sha))}{p.where}"
        outcome = Outcome.STARTED
    else:
        title = f"{what[0].upper()}{what[1:]} {_phrase(status, conclusion, p.action)}"
        title += _on(branch, short_sha(sha)) + p.where
    home = p.home()
    return p.draft(
        title,
        url=f"{home}/commit/{sha}" if home and sha else home,
        occurred_at=p.time(f"{suite}.updated_at", f"{suite}.created_at"),
        severity=_severity(conclusion) if p.action != "rerequested" else Severity.INFO,
        tags=[branch, conclusion],
        category=Category.BUILD,
        outcome=outcome,
        commits=[sha],
        fields={
            "app": app,
            "status": status,
            "conclusion": conclusion,
            "branch": branch,
            "sha": short_sha(sha),
        },
    )


_STATE_PHRASES = {
    "success": "succeeded",
    "failure": "failed",
    "error": "errored",
    "pending": "is pending",
    "in_progress": "is in progress",
    "queued": "is queued",
    "waiting": "is waiting for approval",
    "inactive": "is now inactive",
}
_STATE_SEVERITY = {"success": Severity.SUCCESS, "failure": Severity.ERROR, "error": Severity.ERROR}
# Commit statuses and deployment statuses share these states. `inactive` (a deployment a
# newer one replaced) says nothing of how the deployment went: no outcome.
_STATE_OUTCOMES = {
    "success": Outcome.SUCCESS,
    "failure": Outcome.FAILURE,
    "error": Outcome.FAILURE,
    "pending": Outcome.STARTED,
    "queued": Outcome.STARTED,
    "in_progress": Outcome.STARTED,
    "waiting": Outcome.STARTED,
}


@builds("status")
def _status(p: Payload) -> EventDraft:
    state, context = p.text("state", 40), p.text("context", 100) or "check"
    full_sha = p.sha("sha")
    sha = short_sha(full_sha)
    branches = p.get("branches")
    # A commit can sit on many branches; name one only when it is unambiguous.
    branch = (
        p.text("branches.0.name", 100)
        if isinstance(branches, list) and len(branches) == 1
        else None
    )
    phrase = _STATE_PHRASES.get(state or "", words(state or "changed"))
    return p.draft(
        f"Status {context} {phrase}" + (f" for {sha}" if sha else "") + _on(branch) + p.where,
        url=p.link("target_url", "commit.html_url"),
        occurred_at=p.time("updated_at", "created_at"),
        severity=_STATE_SEVERITY.get(state or "", Severity.INFO),
        tags=[branch, state],
        category=Category.BUILD,
        outcome=_STATE_OUTCOMES.get(state or ""),
        commits=[full_sha],
        fields={"context": context, "state": state, "sha": sha, "branch": branch},
        summary=p.text("description", 300),
    )


def _deploy_what(p: Payload) -> tuple[str, str | None, str | None]:
    env = p.text("deployment.environment", 100) or p.text("deployment_status.environment", 100)
    ref = p.text("deployment.ref", 100)
    what = "Deployment" + (f" of {ref}" if ref else "") + (f" to {env}" if env else "")
    return what, env, ref


def _deploy_fields(p: Payload, env: str | None, ref: str | None) -> dict[str, str | None]:
    return {
        "environment": env,
        "ref": ref,
        "sha": short_sha(p.text("deployment.sha", 40)),
        "task": p.text("deployment.task", 40),
    }


@builds("deployment")
def _deployment(p: Payload) -> EventDraft:
    what, env, ref = _deploy_what(p)
    if p.action in (None, "created"):
        target = (f" {ref}" if ref else "") + (f" to {env}" if env else "")
        title = f"{p.who} started deploying{target}{p.where}"
    else:
        title = f"{what} {words(p.action or 'updated')}{p.where}"
    home = p.home()
    return p.draft(
        title,
        url=p.link("workflow_run.html_url") or (f"{home}/deployments" if home else None),
        occurred_at=p.time("deployment.created_at", "deployment.updated_at"),
        tags=[env],
        category=Category.DEPLOYMENT,
        outcome=Outcome.STARTED if p.action in (None, "created") else None,
        commits=[p.sha("deployment.sha")],
        fields=dict(_deploy_fields(p, env, ref)),
        summary=p.text("deployment.description", 300),
    )


@builds("deployment_status")
def _deployment_status(p: Payload) -> EventDraft:
    what, env, ref = _deploy_what(p)
    state = p.text("deployment_status.state", 40)
    phrase = _STATE_PHRASES.get(state or "", words(state or "changed state"))
    home = p.home()
    return p.draft(
        f"{what} {phrase}{p.where}",
        url=p.link(
            "deployment_status.log_url", "deployment_status.target_url", "workflow_run.html_url"
        )
        or (f"{home}/deployments" if home else None),
        occurred_at=p.time("deployment_status.created_at", "deployment_status.updated_at"),
        severity=_STATE_SEVERITY.get(state or "", Severity.INFO),
        tags=[env, state],
        category=Category.DEPLOYMENT,
        outcome=_STATE_OUTCOMES.get(state or ""),
        commits=[p.sha("deployment.sha")],
        fields={
            **_deploy_fields(p, env, ref),
            "state": state,
            "environment_url": p.link("deployment_status.environment_url"),
        },
        summary=p.text("deployment_status.description", 300),
    )


# ---- security alerts ---------------------------------------------------------------------

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


@builds("security_advisory")
def _security_advisory(p: Payload) -> EventDraft:
    adv = "security_advisory"
    ghsa, level = p.text(f"{adv}.ghsa_id", 40), p.text(f"{adv}.severity", 20)
    summary = p.text(f"{adv}.summary", 160)
    verb = words(p.action or "updated")
    if summary and summary.lower().startswith(f"{verb}:"):  # "Withdrawn: …" says it twice
        summary = summary[len(verb) + 1 :].strip() or None
    title = "Security advisory" + (f" {ghsa}" if ghsa else "") + f" {verb}{p.where}"
    title += (f": {summary}" if summary else "") + (f" ({level})" if level else "")
    return p.draft(
        title,
        url=p.link(f"{adv}.html_url", f"{adv}.references.0.url"),
        occurred_at=p.time(f"{adv}.withdrawn_at", f"{adv}.updated_at", f"{adv}.published_at"),
        severity=Severity.INFO if p.action == "withdrawn" else _alert_severity(p.action, level),
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
