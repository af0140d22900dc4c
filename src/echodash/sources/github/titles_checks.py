"""Titles for GitHub's builds and deployments: workflow runs and jobs, checks, commit
statuses, Pages builds, merge queues, deployments and their reviews. These carry the outcomes
and severities alert rules and delivery metrics care about."""

from __future__ import annotations

from echodash.events import Category, EventDraft, Outcome, Severity
from echodash.sources.github.reader import Payload
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


# ---- deployments waiting for people or apps ----------------------------------------------


@builds("deployment_protection_rule")
def _deployment_protection_rule(p: Payload) -> EventDraft:
    env = p.environment or "an environment"
    ref = p.text("deployment.ref", 100)
    return p.draft(
        "Deployment"
        + (f" of {ref}" if ref else "")
        + f" to {env} waits for a protection rule"
        + p.where,
        url=f"{home}/deployments" if (home := p.home()) else None,
        occurred_at=p.time("deployment.created_at"),
        tags=[env],
        category=Category.DEPLOYMENT,
        commits=[p.sha("deployment.sha")],
        fields={"environment": env, "ref": ref, "trigger": p.text("event", 40)},
    )


@builds("deployment_review")
def _deployment_review(p: Payload) -> EventDraft:
    env = p.environment or p.text("workflow_job_run.environment", 100) or "an environment"
    run = p.text("workflow_run.name") or "a workflow run"
    if p.action == "requested":
        who = p.text("requestor.login", 80) or p.who
        title = f"{run} waits for approval to deploy to {env}" + p.where + f" (asked by {who})"
    else:
        who = p.text("approver.login", 80) or p.who
        title = f"{who} {p.verb()} deploying {run} to {env}" + p.where
    waiting = p.action in ("requested", "rejected")
    return p.draft(
        title,
        url=p.link("workflow_run.html_url"),
        occurred_at=p.time("since", "workflow_run.updated_at"),
        # A deployment held for a person, or stopped by one.
        severity=Severity.WARNING if waiting else Severity.INFO,
        tags=[env],
        category=Category.DEPLOYMENT,
        commits=[p.sha("workflow_run.head_sha")],
        fields={
            "environment": env,
            "workflow": run,
            "branch": p.text("workflow_run.head_branch", 100),
            "comment": p.text("comment", 200),
        },
    )


# ---- builds that are not runs: Pages, merge queues, dispatches, imports --------------------

_PAGES = {
    "built": ("Pages built", Outcome.SUCCESS, Severity.SUCCESS),
    "errored": ("Pages build failed", Outcome.FAILURE, Severity.ERROR),
    "building": ("Pages build started", Outcome.STARTED, Severity.INFO),
}


@builds("page_build")
def _page_build(p: Payload) -> EventDraft:
    status = p.text("build.status", 20)
    phrase, outcome, severity = _PAGES.get(status or "", ("Pages build", None, Severity.INFO))
    sha = p.sha("build.commit")
    error = p.text("build.error.message", 200)
    return p.draft(
        phrase + (f" for {short_sha(sha)}" if sha else "") + p.where,
        url=(f"{home}/settings/pages" if (home := p.home()) else None),
        occurred_at=p.time("build.updated_at", "build.created_at"),
        severity=severity,
        category=Category.BUILD,
        outcome=outcome,
        commits=[sha],
        fields={"status": status, "sha": short_sha(sha), "seconds": _seconds(p)},
        summary=error,
    )


def _seconds(p: Payload) -> int | None:
    duration = p.number("build.duration")  # milliseconds
    return None if duration is None else duration // 1000


# Why a merge queue group ended: its pull requests merged, or it was given up.
_MERGE_GROUP_ENDS: dict[str, tuple[Outcome | None, Severity]] = {
    "merged": (Outcome.SUCCESS, Severity.SUCCESS),
    "invalidated": (Outcome.FAILURE, Severity.WARNING),
    "dequeued": (Outcome.CANCELLED, Severity.INFO),
}


@builds("merge_group")
def _merge_group(p: Payload) -> EventDraft:
    group = "merge_group"
    base = ref_name(p.text(f"{group}.base_ref", 200))
    sha = p.sha(f"{group}.head_sha")
    onto = f" for {base}" if base else ""
    reason = p.text("reason", 40)
    outcome: Outcome | None = None
    severity = Severity.INFO
    if p.action == "checks_requested":
        title, outcome = f"Merge queue{onto} requested checks", Outcome.STARTED
    elif p.action == "destroyed":
        outcome, severity = _MERGE_GROUP_ENDS.get(reason or "", (None, Severity.INFO))
        title = f"Merge queue group{onto} ended" + (f": {words(reason)}" if reason else "")
    else:
        title = f"Merge queue group{onto} {p.verb()}"
    return p.draft(
        title + p.where,
        url=(f"{home}/queue/{base}" if (home := p.home()) and base else p.home()),
        severity=severity,
        tags=[base],
        category=Category.BUILD,
        outcome=outcome,
        commits=[sha],
        fields={"base": base, "sha": short_sha(sha), "reason": reason},
        summary=p.text(f"{group}.head_commit.message", 300),
    )


@builds("repository_dispatch")
def _repository_dispatch(p: Payload) -> EventDraft:
    kind = p.text("action", 80) or "an event"
    branch = p.text("branch", 100)
    return p.draft(
        f"{p.who} dispatched {kind}" + (f" on {branch}" if branch else "") + p.where,
        url=(f"{home}/actions" if (home := p.home()) else None),
        tags=[branch],
        category=Category.BUILD,
        fields={"event_type": kind, "branch": branch},
    )
