"""Readable titles for GitLab's CI payloads: pipelines, jobs and deployments."""

from __future__ import annotations

import re

from echodash.events import Category, EventDraft, Outcome, Severity
from echodash.sources.gitlab.reader import Payload
from echodash.sources.kit.text import duration, first_line, ref_name, short_sha, words
from echodash.sources.kit.titles import TitleBook

TITLES: TitleBook[Payload] = TitleBook()
builds = TITLES.builds

_STATUS_WORDS = {
    "success": "succeeded",
    "failed": "failed",
    "canceled": "was canceled",
    "canceling": "is being canceled",
    "running": "is running",
    "pending": "is pending",
    "created": "was created",
    "skipped": "was skipped",
    "manual": "is waiting for a manual action",
    "scheduled": "is scheduled",
    "preparing": "is preparing",
    "waiting_for_resource": "is waiting for a resource",
    "waiting_for_callback": "is waiting for a callback",
}
# How a pipeline, job or deployment went; any status not listed is one still under way
# (created, pending, running, manual, scheduled…).
_STATUS_OUTCOMES = {
    "success": Outcome.SUCCESS,
    "failed": Outcome.FAILURE,
    "canceled": Outcome.CANCELLED,
    "canceling": Outcome.CANCELLED,
    "skipped": Outcome.SKIPPED,
}
_FULL_SHA = re.compile(r"[0-9a-f]{40}")
_STATUS_SEVERITY = {
    "failed": Severity.ERROR,
    "success": Severity.SUCCESS,
    "canceled": Severity.WARNING,
}


def _status_words(status: str | None) -> str:
    return _STATUS_WORDS.get(status or "", f"is {words(status)}" if status else "changed")


def _outcome(status: str | None) -> Outcome:
    return _STATUS_OUTCOMES.get(status or "", Outcome.STARTED)


@builds("pipeline")
def _pipeline(p: Payload) -> EventDraft:
    a = "object_attributes"
    pipeline_id, status = p.number(f"{a}.id"), p.text(f"{a}.status", 40)
    ref = ref_name(p.text(f"{a}.ref", 200))
    mr = p.number("merge_request.iid")
    on = f" for !{mr}" if mr is not None else f" on {ref}" if ref else ""
    label = f"Pipeline #{pipeline_id}" if pipeline_id is not None else "Pipeline"
    name = p.text(f"{a}.name", 80)
    if name:
        label += f" ({name})"
    return p.draft(
        f"{label} {_status_words(status)}{on}{p.where}",
        url=p.link(f"{a}.url") or (p.page(f"-/pipelines/{pipeline_id}") if pipeline_id else None),
        occurred_at=p.time(f"{a}.finished_at", f"{a}.created_at"),
        severity=_STATUS_SEVERITY.get(status or "", Severity.INFO),
        tags=[ref, status],
        fields={
            "pipeline": pipeline_id,
            "status": status,
            "ref": ref,
            "sha": short_sha(p.text(f"{a}.sha", 64)),
            "duration": duration(p.get(f"{a}.duration")),
            "source": p.text(f"{a}.source", 60),
            "merge_request": mr,
        },
        summary=first_line(p.get("commit.title") or p.get("commit.message")),
        category=Category.BUILD,
        outcome=_outcome(status),
        commits=[p.text(f"{a}.sha", 64)],
    )


@builds("job")
def _job(p: Payload) -> EventDraft:
    job_id, status = p.number("build_id"), p.text("build_status", 40)
    name = p.text("build_name", 100) or "a job"
    ref = ref_name(p.text("ref", 200))
    allowed = p.get("build_allow_failure") is True
    severity = _STATUS_SEVERITY.get(status or "", Severity.INFO)
    words_ = _status_words(status)
    if status == "failed" and allowed:
        severity, words_ = Severity.WARNING, "failed (allowed to fail)"
    reason = p.text("build_failure_reason", 80)
    if status == "failed" and reason and reason != "unknown_failure":
        words_ += f": {words(reason)}"
    return p.draft(
        f"Job {name} {words_}" + (f" on {ref}" if ref else "") + p.where,
        url=p.page(f"-/jobs/{job_id}") if job_id is not None else None,
        occurred_at=p.time("build_finished_at", "build_started_at", "build_created_at"),
        severity=severity,
        tags=[ref, status],
        fields={
            "job": name,
            "stage": p.text("build_stage", 60),
            "status": status,
            "ref": ref,
            "sha": short_sha(p.text("sha", 64)),
            "duration": duration(p.get("build_duration")),
            "pipeline": p.number("pipeline_id"),
            "environment": p.text("environment.name", 100),
            "failure_reason": reason if status == "failed" else None,
        },
        category=Category.BUILD,
        outcome=_outcome(status),
        commits=[p.text("sha", 64)],
    )


@builds("deployment")
def _deployment(p: Payload) -> EventDraft:
    status = p.text("status", 40)
    env = p.text("environment", 100) or "an environment"
    ref = p.text("ref", 200)
    what = f"{ref} to {env}" if ref else env
    if status == "running":
        title = f"{p.who} started deploying {what}{p.where}"
    else:
        title = f"Deployment of {what} {_status_words(status)}{p.where}"
    return p.draft(
        title,
        url=p.link("deployable_url", "environment_external_url"),
        occurred_at=p.time("status_changed_at"),
        severity=_STATUS_SEVERITY.get(status or "", Severity.INFO),
        tags=[env, status],
        fields={
            "environment": env,
            "status": status,
            "ref": ref,
            "sha": p.text("short_sha", 12),
            "tier": p.text("environment_tier", 40),
            "deployment": p.number("deployment_id"),
            "environment_url": p.link("environment_external_url"),
        },
        summary=p.text("commit_title", 200),
        category=Category.DEPLOYMENT,
        outcome=_outcome(status),
        commits=[_deployed_sha(p)],
    )


def _deployed_sha(p: Payload) -> str | None:
    """The full SHA from the commit's address (`…/-/commit/<sha>`), else the short one."""
    tail = (p.link("commit_url") or "").rstrip("/").rsplit("/", 1)[-1]
    return tail if _FULL_SHA.fullmatch(tail) else p.text("short_sha", 12)
