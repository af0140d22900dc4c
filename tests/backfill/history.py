"""One repository's history, two ways: as GitHub's REST API holds it (for a backfill), and as
the signed webhooks that would have reported the same things (to compare with).

acme/web: a production deployment before the window (the predecessor), then in the window
D1 (in progress, then success: brings c3, c4), D2 (failed), D3 to staging, D4 (success:
brings c5, c6, compared from D1 since D2 failed); an incident issue opened after D4 and
closed 45 minutes later; a plain issue; a merged and an unmerged pull request; a workflow
run; a published and a draft release.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from tests.backfill.github_api import REPO, FakeGitHub, commit, deployment, status
from tests.http.metric_events import deployment as deployment_webhook
from tests.http.metric_events import fixture, incident, iso, push

HOUR = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)
# Recent enough that every list a backfill reads reaches it, whatever day the tests run.
T0 = (datetime.now(UTC) - timedelta(days=20)).replace(minute=0, second=0, microsecond=0)
SINCE = T0 - DAY
UNTIL = T0 + 10 * DAY
SHA = {n: f"{n:x}" * 40 for n in range(1, 8)}
INCIDENT_OPENED = T0 + DAY + 5 * HOUR
INCIDENT_CLOSED = INCIDENT_OPENED + 45 * MINUTE
COMMITTED = dict(
    enumerate(
        [T0 - 40 * DAY, T0 - 10 * DAY, T0 + HOUR, T0 + 2 * HOUR, T0 + DAY, T0 + DAY + 2 * HOUR],
        start=1,
    )
)
# What the backfill brings: 5 deployment statuses, 2 pushes, 1 merged pull request, 1 run,
# 1 release, and 3 issue changes (the incident opened and closed, the plain issue opened).
ITEMS = {
    "deployment_status": 5,
    "push": 2,
    "pull_request": 1,
    "workflow_run": 1,
    "release": 1,
    "issues": 3,
}


def _issue(number: int, opened: datetime, closed: datetime | None, labels: list[str]) -> Any:
    found: dict[str, Any] = fixture("issues/opened.payload.json")["issue"]
    if number != 77:  # the incident keeps the fixture's id: the live webhook's
        found["id"] = 9000 + number
    found.update(
        number=number,
        labels=[
            {"id": n, "name": name, "color": "f00", "default": False}
            for n, name in enumerate(labels)
        ],
        created_at=iso(opened),
        updated_at=iso(closed or opened),
        closed_at=None if closed is None else iso(closed),
        state="closed" if closed else "open",
    )
    return found


def _pull(number: int, merged: datetime | None, updated: datetime) -> Any:
    found: dict[str, Any] = fixture("pull_request/closed.payload.json")["pull_request"]
    found.update(
        id=500 + number,
        number=number,
        merged_at=merged and iso(merged),
        updated_at=iso(updated),
        closed_at=iso(updated),
        state="closed",
    )
    found["base"]["ref"] = "main"
    return found


def _run(number: int, at: datetime) -> Any:
    document = fixture("workflow_run/completed.with-pull-requests.payload.json")
    found: dict[str, Any] = document["workflow_run"]
    found.update(
        id=number,
        status="completed",
        conclusion="success",
        run_attempt=1,
        created_at=iso(at - 5 * MINUTE),
        updated_at=iso(at),
    )
    return found


def _release(number: int, at: datetime, draft: bool = False) -> Any:
    found: dict[str, Any] = fixture("release/created.payload.json")["release"]
    found.update(
        id=number,
        tag_name=f"v1.{number}",
        draft=draft,
        created_at=iso(at),
        published_at=None if draft else iso(at),
    )
    return found


def github_history() -> FakeGitHub:
    commits = []
    for n, at in COMMITTED.items():
        commits.append(commit(SHA[n], at, f"change {n}", SHA[n - 1] if n > 1 else None))
    d0 = deployment(100, SHA[2], T0 - 9 * DAY)
    d1 = deployment(101, SHA[4], T0 + 3 * HOUR)
    d2 = deployment(102, SHA[5], T0 + DAY + HOUR)
    d3 = deployment(103, SHA[6], T0 + DAY + 3 * HOUR, "staging")
    d4 = deployment(104, SHA[6], T0 + DAY + 4 * HOUR)
    deployments = [
        (d4, [status(1041, "success", T0 + DAY + 4 * HOUR + 15 * MINUTE)]),
        (d3, [status(1031, "success", T0 + DAY + 3 * HOUR + 5 * MINUTE, "staging")]),
        (d2, [status(1021, "failure", T0 + DAY + HOUR + 5 * MINUTE)]),
        (
            d1,
            [
                status(1010, "in_progress", T0 + 3 * HOUR + MINUTE),
                status(1011, "success", T0 + 3 * HOUR + 10 * MINUTE),
            ],
        ),
        (d0, [status(1001, "success", T0 - 9 * DAY + 10 * MINUTE)]),
    ]
    return FakeGitHub(
        commits=commits,
        deployments=deployments,
        pulls=[
            _pull(5, T0 + 2 * HOUR + 30 * MINUTE, T0 + 2 * HOUR + 30 * MINUTE),
            _pull(4, None, T0 + 5 * HOUR),
            _pull(3, T0 - 5 * DAY, T0 - 5 * DAY),
        ],
        runs=[_run(900, T0 + 2 * HOUR + 40 * MINUTE)],
        releases=[_release(601, T0 + 2 * DAY, draft=True), _release(600, T0 + DAY + 6 * HOUR)],
        issues=[
            _issue(77, INCIDENT_OPENED, INCIDENT_CLOSED, ["incident"]),
            _issue(78, T0 + 2 * HOUR, None, []),
            _issue(60, T0 - 30 * DAY, T0 - 20 * DAY, []),
        ],
    )


def equivalent_webhooks(repo: str) -> list[tuple[str, bytes]]:
    """The signed deliveries that report the same DORA facts as the history, for `repo`
    (deployment ids are GitHub-wide: the twin's are its own)."""
    c = COMMITTED
    return [
        (
            "push",
            push(repo, SHA[4], T0 + 2 * HOUR + 5 * MINUTE, [(SHA[3], c[3]), (SHA[4], c[4])]),
        ),
        ("deployment_status", deployment_webhook(repo, 201, SHA[4], T0 + 3 * HOUR + 10 * MINUTE)),
        (
            "push",
            push(repo, SHA[6], T0 + DAY + 2 * HOUR + 5 * MINUTE, [(SHA[5], c[5]), (SHA[6], c[6])]),
        ),
        (
            "deployment_status",
            deployment_webhook(repo, 203, SHA[6], T0 + DAY + 3 * HOUR + 5 * MINUTE, "staging"),
        ),
        (
            "deployment_status",
            deployment_webhook(repo, 204, SHA[6], T0 + DAY + 4 * HOUR + 15 * MINUTE),
        ),
        ("issues", incident(repo, "opened", INCIDENT_OPENED, None)),
        ("issues", incident(repo, "closed", INCIDENT_OPENED, INCIDENT_CLOSED)),
    ]


def _commit_times() -> list[str]:
    return [c["commit"]["author"]["date"].replace("Z", "+00:00") for c in github_history().commits]


def live_status(api: FakeGitHub, number: int, status_id: int | None = None) -> bytes:
    """The deployment_status webhook GitHub sends for deployment `number`'s (latest) status,
    or for a new one like it with `status_id`."""
    deployed, statuses = next((d, s) for d, s in api.deployments if d["id"] == number)
    reported = {**statuses[0], **({"id": status_id} if status_id else {})}
    document = fixture("deployment_status/payload.json")
    document.update(deployment=deployed, deployment_status=reported, repository=api.repo)
    return json.dumps(document).encode()


def live_push(api: FakeGitHub, head: int, commits: list[int], at: datetime) -> bytes:
    """The push webhook of commits `commits` with `head` on top, as GitHub sends it."""
    document = json.loads(push(REPO, SHA[head], at, [(SHA[head], COMMITTED[head])]))
    document["repository"] = {**api.repo, "pushed_at": int(at.timestamp())}
    shaped = [
        {
            "id": SHA[n],
            "message": f"change {n}",
            "distinct": True,
            "timestamp": api.commits[n - 1]["commit"]["author"]["date"],
            "added": [],
            "removed": [],
            "modified": [],
        }
        for n in commits
    ]
    document.update(commits=shaped, head_commit=shaped[-1])
    return json.dumps(document).encode()
