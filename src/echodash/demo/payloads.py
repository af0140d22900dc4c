"""The demo's deliveries, shaped as each sender sends them: GitHub and Stripe bodies start from
real published examples (payloads/, with their licences) with the story's fields changed;
Notion, Linear, Sentry, Cloudflare and Slack follow the shapes their webhook docs describe.

Pure: each builder takes the story's values and returns the body as a dict."""

from __future__ import annotations

import copy
import functools
import json
from datetime import datetime
from importlib import resources
from typing import Any

ORG = "acme"
DOMAIN = "acme.test"


def iso(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


@functools.cache
def _template(name: str) -> dict[str, Any]:
    text = resources.files("echodash.demo").joinpath("payloads").joinpath(name).read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def _copy(name: str) -> dict[str, Any]:
    return copy.deepcopy(_template(name))


# GitHub -------------------------------------------------------------------------------------


def _github(name: str, repo: str, actor: str) -> dict[str, Any]:
    document = _copy(f"github-{name}.json")
    repository = document["repository"]
    owner, short = repo.split("/", 1)
    repository.update(
        full_name=repo,
        name=short,
        html_url=f"https://github.com/{repo}",
        url=f"https://api.github.com/repos/{repo}",
        private=True,
        default_branch="main",
    )
    repository["owner"].update(login=owner, html_url=f"https://github.com/{owner}")
    document["sender"].update(login=actor, html_url=f"https://github.com/{actor}")
    return document


def push(
    repo: str, actor: str, before: str, commits: list[tuple[str, datetime, str]], at: datetime
) -> dict[str, Any]:
    """A push to main of (sha, commit time, message) commits, pushed at `at`."""
    document = _github("push", repo, actor)
    author = {"name": actor, "email": f"{actor}@{DOMAIN}", "username": actor}
    listed: list[dict[str, Any]] = [
        {
            "id": sha,
            "tree_id": sha[::-1],
            "distinct": True,
            "message": message,
            "timestamp": iso(when),
            "url": f"https://github.com/{repo}/commit/{sha}",
            "author": author,
            "committer": author,
            "added": [],
            "removed": [],
            "modified": ["src/app.py"],
        }
        for sha, when, message in commits
    ]
    head = listed[-1]
    document.update(
        ref="refs/heads/main",
        before=before,
        after=head["id"],
        created=False,
        deleted=False,
        forced=False,
        base_ref=None,
        compare=f"https://github.com/{repo}/compare/{before[:12]}...{head['id'][:12]}",
        commits=listed,
        head_commit=head,
        pusher={"name": actor, "email": f"{actor}@{DOMAIN}"},
    )
    document["repository"]["pushed_at"] = int(at.timestamp())
    return document


def pull_request(
    repo: str,
    actor: str,
    number: int,
    title: str,
    action: str,
    opened: datetime,
    at: datetime,
    merged_by: str | None = None,
) -> dict[str, Any]:
    """A pull request `opened`, or `closed` at `at` (merged when `merged_by` is given)."""
    name = "pull_request-closed" if action == "closed" else "pull_request-opened"
    document = _github(name, repo, merged_by or actor)
    pr = document["pull_request"]
    merged = action == "closed" and merged_by is not None
    pr.update(
        number=number,
        id=number * 1000 + 7,
        title=title,
        body=f"{title}.",
        html_url=f"https://github.com/{repo}/pull/{number}",
        state="closed" if action == "closed" else "open",
        created_at=iso(opened),
        updated_at=iso(at),
        closed_at=iso(at) if action == "closed" else None,
        merged_at=iso(at) if merged else None,
        merged=merged,
        draft=False,
    )
    pr["user"].update(login=actor, html_url=f"https://github.com/{actor}")
    if merged and isinstance(pr.get("merged_by"), dict):
        pr["merged_by"].update(login=merged_by)
    elif merged:
        pr["merged_by"] = {**pr["user"], "login": merged_by}
    pr["base"]["ref"] = "main"
    document.update(action=action, number=number)
    return document


def review(
    repo: str, reviewer: str, author: str, number: int, title: str, opened: datetime, at: datetime
) -> dict[str, Any]:
    document = _github("pull_request_review", repo, reviewer)
    document["review"].update(
        state="approved",
        body="Looks good to me.",
        submitted_at=iso(at),
        html_url=f"https://github.com/{repo}/pull/{number}#pullrequestreview-{number}",
    )
    document["review"]["user"].update(login=reviewer)
    pr = document["pull_request"]
    pr.update(
        number=number,
        title=title,
        created_at=iso(opened),
        updated_at=iso(at),
        html_url=f"https://github.com/{repo}/pull/{number}",
    )
    pr["user"].update(login=author)
    return document


def workflow_run(
    repo: str, actor: str, run_id: int, sha: str, conclusion: str, started: datetime, at: datetime
) -> dict[str, Any]:
    document = _github("workflow_run", repo, actor)
    run = document["workflow_run"]
    run.update(
        id=run_id,
        name="CI",
        display_title="CI",
        head_branch="main",
        head_sha=sha,
        event="push",
        status="completed",
        conclusion=conclusion,
        run_number=run_id % 100_000,
        created_at=iso(started),
        run_started_at=iso(started),
        updated_at=iso(at),
        html_url=f"https://github.com/{repo}/actions/runs/{run_id}",
        pull_requests=[],
    )
    document["workflow"]["name"] = "CI"
    return document


def deployment_status(
    repo: str, actor: str, deploy_id: int, sha: str, environment: str, state: str, at: datetime
) -> dict[str, Any]:
    document = _github("deployment_status", repo, actor)
    document["deployment"].update(
        id=deploy_id,
        sha=sha,
        ref="main",
        environment=environment,
        original_environment=environment,
        created_at=iso(at),
        updated_at=iso(at),
    )
    document["deployment_status"].update(
        id=deploy_id * 10 + (1 if state == "success" else 2),
        state=state,
        environment=environment,
        description=f"Deployed {sha[:7]} to {environment}" if state == "success" else "",
        created_at=iso(at),
        updated_at=iso(at),
    )
    return document


def incident_issue(
    repo: str,
    actor: str,
    number: int,
    title: str,
    action: str,
    opened: datetime,
    closed: datetime | None,
) -> dict[str, Any]:
    """An issue labelled `incident` (the default incident label, docs/metrics.md)."""
    document = _github("issues", repo, actor)
    document["action"] = action
    document["issue"].update(
        number=number,
        id=number * 1000 + 3,
        title=title,
        body="Customers report errors after the last deploy.",
        html_url=f"https://github.com/{repo}/issues/{number}",
        labels=[{"id": 1, "name": "incident", "color": "d73a4a", "default": False}],
        state="closed" if closed else "open",
        created_at=iso(opened),
        updated_at=iso(closed or opened),
        closed_at=None if closed is None else iso(closed),
    )
    document["issue"]["user"].update(login=actor)
    return document


# Stripe -------------------------------------------------------------------------------------


def subscription_event(
    event_id: str,
    kind: str,
    at: datetime,
    customer: str,
    amount: int,
    interval: str,
    status: str = "active",
) -> dict[str, Any]:
    """A `customer.subscription.*` event: one licensed item of `amount` cents per `interval`."""
    subscription = _copy("stripe.json")["subscription"]
    item = subscription["items"]["data"][0]
    item.update(id=f"si_{customer}", subscription=f"sub_{customer}", quantity=1)
    item["price"].update(
        id=f"price_{amount}_{interval}",
        unit_amount=amount,
        unit_amount_decimal=str(amount),
        currency="usd",
    )
    item["price"]["recurring"].update(interval=interval, interval_count=1)
    subscription["items"]["data"] = [item]
    stamp = int(at.timestamp())
    subscription.update(
        id=f"sub_{customer}",
        customer=customer,
        status=status,
        currency="usd",
        discount=None,
        created=stamp,
        start_date=stamp,
        cancel_at_period_end=False,
        cancel_at=None,
        canceled_at=stamp if status == "canceled" else None,
        ended_at=stamp if status == "canceled" else None,
        trial_start=None,
        trial_end=None,
    )
    return _stripe_envelope(event_id, kind, at, subscription)


def invoice_event(
    event_id: str, kind: str, at: datetime, customer: str, number: int, amount: int
) -> dict[str, Any]:
    """`invoice.paid` or `invoice.payment_failed` for the customer's subscription."""
    invoice = _copy("stripe.json")["invoice"]
    paid = kind == "invoice.paid"
    stamp = int(at.timestamp())
    invoice.update(
        id=f"in_{customer}_{number}",
        number=f"ACME-{number:05d}",
        customer=customer,
        customer_email=f"billing@{customer.removeprefix('cus_')}.example",
        subscription=f"sub_{customer}",
        currency="usd",
        amount_due=amount,
        amount_paid=amount if paid else 0,
        amount_remaining=0 if paid else amount,
        subtotal=amount,
        total=amount,
        status="paid" if paid else "open",
        attempted=True,
        attempt_count=1,
        billing_reason="subscription_cycle",
        created=stamp,
        period_start=stamp,
        period_end=stamp,
    )
    invoice["lines"]["data"] = []
    return _stripe_envelope(event_id, kind, at, invoice)


def customer_event(event_id: str, at: datetime, customer: str, name: str) -> dict[str, Any]:
    document = _copy("stripe.json")["customer"]
    document.update(
        id=customer,
        name=name,
        email=f"billing@{customer.removeprefix('cus_')}.example",
        created=int(at.timestamp()),
    )
    return _stripe_envelope(event_id, "customer.created", at, document)


def _stripe_envelope(event_id: str, kind: str, at: datetime, obj: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": event_id,
        "object": "event",
        "api_version": "2024-06-20",
        "type": kind,
        "created": int(at.timestamp()),
        "livemode": False,
        "pending_webhooks": 1,
        "request": {"id": None, "idempotency_key": None},
        "data": {"object": obj},
    }


# Notion, Linear, Sentry, Cloudflare, Slack --------------------------------------------------


def notion(event_id: str, kind: str, at: datetime, page: str, author: str) -> dict[str, Any]:
    return {
        "id": event_id,
        "timestamp": iso(at),
        "workspace_id": "6c1f7d2e-3b4a-4c5d-8e9f-0a1b2c3d4e5f",
        "workspace_name": "Acme",
        "subscription_id": "0f9e8d7c-6b5a-4948-8736-2514a3b2c1d0",
        "integration_id": "1a2b3c4d-5e6f-4789-9abc-def012345678",
        "type": kind,
        "authors": [{"id": author, "type": "person"}],
        "attempt_number": 1,
        "entity": {"id": page, "type": "comment" if kind.startswith("comment") else "page"},
        "data": {"parent": {"id": "7d6c5b4a-3928-4716-a5b4-c3d2e1f0a9b8", "type": "space"}},
        "api_version": "2022-06-28",
    }


def linear_issue(
    action: str, at: datetime, number: int, title: str, actor: str, state: str, previous: str = ""
) -> dict[str, Any]:
    """A Linear `Issue` webhook (`webhookTimestamp` is set when it is signed and sent)."""
    url = f"https://linear.app/{ORG}/issue/ENG-{number}"
    states = {"Todo": "unstarted", "In Progress": "started", "Done": "completed"}
    document: dict[str, Any] = {
        "action": action,
        "type": "Issue",
        "actor": {
            "id": f"user-{actor}",
            "name": actor,
            "email": f"{actor}@{DOMAIN}",
            "type": "user",
        },
        "createdAt": iso(at),
        "data": {
            "id": f"issue-eng-{number}",
            "createdAt": iso(at),
            "updatedAt": iso(at),
            "number": number,
            "identifier": f"ENG-{number}",
            "title": title,
            "priority": 2,
            "priorityLabel": "High",
            "url": url,
            "team": {"id": "team-eng", "key": "ENG", "name": "Engineering"},
            "state": {"id": f"state-{state}", "name": state, "type": states[state]},
            "labels": [],
        },
        "url": url,
        "organizationId": "org-acme",
        "webhookId": "webhook-acme-eng",
    }
    if previous:
        document["updatedFrom"] = {"stateId": f"state-{previous}", "updatedAt": iso(at)}
    return document


def sentry_error(
    event_id: str, at: datetime, project: str, title: str, issue: int
) -> dict[str, Any]:
    return {
        "action": "created",
        "installation": {"uuid": "5d4c3b2a-1f0e-4d9c-8b7a-6f5e4d3c2b1a"},
        "data": {
            "error": {
                "event_id": event_id,
                "title": title,
                "culprit": "app/checkout.py in submit_order",
                "level": "error",
                "platform": "python",
                "project": 2,
                "datetime": iso(at),
                "issue_id": str(issue),
                "issue_url": f"https://sentry.io/api/0/issues/{issue}/",
                "web_url": f"https://sentry.io/organizations/{ORG}/issues/{issue}/events/{event_id}/",
                "url": f"https://sentry.io/api/0/projects/{ORG}/{project}/events/{event_id}/",
                "tags": [["environment", "production"], ["release", "api@main"]],
            }
        },
        "actor": {"type": "application", "id": "sentry", "name": "Sentry"},
    }


def cloudflare_origin(at: datetime, correlation: str, start: bool) -> dict[str, Any]:
    return {
        "name": "Origin health",
        "text": "Origin api.acme.test is " + ("unreachable" if start else "reachable again"),
        "data": {
            "zone_name": "acme.test",
            "status": "Unreachable" if start else "Healthy",
        },
        "ts": int(at.timestamp()),
        "account_id": "5b4c3d2e1f0a49b8c7d6e5f4a3b2c1d0",
        "policy_id": "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d",
        "policy_name": "Origin health",
        "alert_type": "real_origin_monitoring",
        "alert_correlation_id": correlation,
        "alert_event": "ALERT_STATE_EVENT_START" if start else "ALERT_STATE_EVENT_END",
    }


def slack_mention(event_id: str, at: datetime, user: str, text: str) -> dict[str, Any]:
    stamp = f"{at.timestamp():.6f}"
    return {
        "token": "demo-verification-token",
        "team_id": "T0ACME0001",
        "api_app_id": "A0ECHODASH",
        "event": {
            "type": "app_mention",
            "user": user,
            "text": f"<@U0ECHODASH> {text}",
            "ts": stamp,
            "channel": "C0DEPLOYS1",
            "event_ts": stamp,
        },
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(at.timestamp()),
    }
