"""What each kind of event contributes to the metrics, from real public payloads where there
are some (GitHub's published examples, Stripe's OpenAPI fixtures)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from echodash.events import Event
from echodash.metrics.dora import Deployment, Incident, Push
from echodash.metrics.facts import IncidentMark, facts_of, merge_incident
from echodash.metrics.product import Activity
from echodash.metrics.revenue import Snapshot, subscription_mrr
from tests.alerts.events import event
from tests.support import GITHUB_FIXTURES, STRIPE_RESOURCES

T0 = datetime(2026, 11, 2, 9, tzinfo=UTC)


def fixture(name: str) -> Any:
    return json.loads((GITHUB_FIXTURES / name).read_bytes())


def github(type: str, body: Any) -> list[Any]:
    return facts_of(event(type, source="github", at=T0), body)


def test_a_successful_github_deployment_status_is_a_deployment() -> None:
    body = fixture("deployment_status/payload.json")
    [deployment] = github("deployment_status.created", body)
    assert isinstance(deployment, Deployment)
    assert deployment.key == f"github:{body['deployment']['id']}"
    assert deployment.service == f"github:{body['repository']['full_name']}"
    assert deployment.environment == "production"
    assert deployment.sha == body["deployment"]["sha"]
    assert deployment.ref == "master"
    assert deployment.at == datetime.fromisoformat(
        body["deployment_status"]["created_at"].replace("Z", "+00:00")
    )
    # A deployment still in progress is not a deployment yet.
    assert (
        github("deployment_status.created", fixture("deployment_status/gh-pages.payload.json"))
        == []
    )


def test_a_github_push_brings_its_commits_with_their_own_times() -> None:
    published = fixture("push/1.payload.json")  # GitHub's example: a deleted tag
    assert github("push", published) == []
    commits = [
        {"id": "1" * 40, "timestamp": "2026-11-02T08:00:00+01:00"},
        {"id": "2" * 40, "timestamp": "2026-11-02T08:30:00Z"},
    ]
    body = dict(published, ref="refs/heads/main", deleted=False, after="2" * 40, commits=commits)
    [push] = github("push", body)
    assert isinstance(push, Push)
    assert (push.ref, push.head) == ("main", "2" * 40)
    assert push.service == f"github:{published['repository']['full_name']}"
    assert push.at == datetime.fromtimestamp(published["repository"]["pushed_at"], UTC)
    assert [(c.sha, c.at) for c in push.commits] == [
        ("1" * 40, T0 - timedelta(hours=2)),
        ("2" * 40, T0 - timedelta(minutes=30)),
    ]
    assert github("push", dict(body, ref="refs/tags/v1.0.0")) == []


def test_an_issue_labelled_incident_opens_and_closes_an_incident() -> None:
    body = fixture("issues/opened.payload.json")
    assert github("issues.opened", body) == []  # no incident label
    issue = dict(
        body["issue"],
        labels=[{"name": "Incident: sev2"}],
        body="Checkout down.\nroot cause: 3F786850E387\n",
    )
    [opened] = github("issues.opened", dict(body, issue=issue))
    assert isinstance(opened, IncidentMark)
    assert opened.root_cause == "3f786850e387"
    closed_at = "2026-11-02T10:30:00Z"
    [closed] = github(
        "issues.closed", dict(body, action="closed", issue=dict(issue, closed_at=closed_at))
    )
    incident = merge_incident(merge_incident(None, closed), opened)  # out of order
    assert incident.end == datetime(2026, 11, 2, 10, 30, tzinfo=UTC)
    assert incident.start == datetime.fromisoformat(issue["created_at"].replace("Z", "+00:00"))
    [reopened] = github("issues.reopened", dict(body, action="reopened", issue=issue))
    assert merge_incident(incident, reopened).end is None


def test_gitlab_deployments_pushes_and_incident_issues() -> None:
    project = {"path_with_namespace": "acme/web"}
    deployment = {
        "object_kind": "deployment",
        "status": "success",
        "deployment_id": 15,
        "environment": "production",
        "sha": "a" * 40,
        "ref": "main",
        "status_changed_at": "2026-11-02 09:00:00 +0000",
        "project": project,
    }
    [found] = facts_of(event("deployment.success", source="gitlab"), deployment)
    assert found == Deployment(
        "gitlab:15", "gitlab:acme/web", "production", T0, "a" * 40, "main", found.event_id
    )
    running = dict(deployment, status="running")
    assert facts_of(event("deployment.running", source="gitlab"), running) == []
    push = {
        "object_kind": "push",
        "ref": "refs/heads/main",
        "after": "b" * 40,
        "commits": [{"id": "b" * 40, "timestamp": "2026-11-02T08:00:00+00:00"}],
        "project": project,
    }
    [pushed] = facts_of(event("push", source="gitlab", at=T0), push)
    assert isinstance(pushed, Push) and pushed.commits[0].at == T0 - timedelta(hours=1)
    issue = {
        "object_kind": "issue",
        "labels": [{"title": "incident"}],
        "object_attributes": {"iid": 7, "action": "open", "created_at": "2026-11-02 09:00:00 UTC"},
        "project": project,
    }
    [mark] = facts_of(event("issue.open", source="gitlab"), issue)
    assert isinstance(mark, IncidentMark) and mark.key == "gitlab:acme/web#7" and mark.start == T0


def test_cloudflare_alerts_start_and_end_one_incident() -> None:
    start = {"alert_correlation_id": "c-1", "alert_event": "ALERT_STATE_EVENT_START"}
    end = {"alert_correlation_id": "c-1", "alert_event": "ALERT_STATE_EVENT_END"}
    zone = "cloudflare:example.com"
    [a] = facts_of(event("origin_error_rate", source="cloudflare", service=zone, at=T0), start)
    [b] = facts_of(
        event(
            "origin_error_rate", source="cloudflare", service=zone, at=T0 + timedelta(minutes=20)
        ),
        end,
    )
    incident = merge_incident(merge_incident(None, a), b)
    assert incident == Incident(
        "cloudflare:c-1", zone, T0, T0 + timedelta(minutes=20), None, incident.event_ids
    )


def test_stripe_subscription_events_are_snapshots_of_the_subscription() -> None:
    subscription = json.loads(STRIPE_RESOURCES.read_bytes())["resources"]["subscription"]
    body = {
        "id": "evt_1",
        "object": "event",
        "type": "customer.subscription.updated",
        "created": 1790000000,
        "data": {"object": dict(subscription, status="active")},
    }
    [snapshot] = facts_of(event("customer.subscription.updated", source="stripe"), body)
    assert isinstance(snapshot, Snapshot)
    assert snapshot.subscription == subscription["id"]
    assert snapshot.customer == subscription["customer"]
    assert snapshot.created == datetime.fromtimestamp(1790000000, UTC)
    assert subscription_mrr(snapshot) == 2000  # 1 x $20.00 a month
    deleted = dict(body, type="customer.subscription.deleted")
    [gone] = facts_of(event("customer.subscription.deleted", source="stripe"), deleted)
    assert gone.status == "canceled" and subscription_mrr(gone) == 0  # type: ignore[union-attr]
    coupon = {"coupon": {"duration": "forever", "percent_off": 25}}
    discounted = dict(body, data={"object": dict(subscription, status="active", discount=coupon)})
    [cheaper] = facts_of(event("customer.subscription.updated", source="stripe"), discounted)
    assert subscription_mrr(cheaper) == 1500  # type: ignore[arg-type]
    newer = dict(
        body,
        data={
            "object": dict(
                subscription,
                status="active",
                discount=None,
                discounts=[{"source": {"coupon": coupon["coupon"]}}],
            )
        },
    )
    [cheaper_too] = facts_of(event("customer.subscription.updated", source="stripe"), newer)
    assert subscription_mrr(cheaper_too) == 1500  # type: ignore[arg-type]


def test_custom_events_are_activity_deployments_and_incidents() -> None:
    signup = {"event": "Signed up", "distinct_id": "u_1", "values": {"plan": "team"}}
    [activity] = facts_of(event("Signed up", source="custom", at=T0), signup)
    assert activity == Activity("u_1", "Signed up", T0, activity.event_id)  # type: ignore[union-attr]
    survey = {"event": "nps", "distinct_id": "u_2", "values": {"score": 9}}
    [answer] = facts_of(event("nps", source="custom", at=T0), survey)
    assert isinstance(answer, Activity) and answer.score == 9.0
    deploy = {
        "event": "deployment",
        "source": "deploy-bot",
        "id": "rel-42",
        "values": {"status": "success", "environment": "production", "sha": "c" * 40},
    }
    [deployment] = facts_of(event("deployment", source="custom", at=T0), deploy)
    assert isinstance(deployment, Deployment)
    assert (deployment.key, deployment.service, deployment.environment) == (
        "custom:rel-42",
        "deploy-bot",
        "production",
    )
    failed = dict(deploy, values={"status": "failure", "environment": "production"})
    assert facts_of(event("deployment", source="custom"), failed) == []
    incident = {"event": "incident", "source": "web", "values": {"status": "opened", "id": "INC-7"}}
    [mark] = facts_of(event("incident", source="custom", at=T0), incident)
    assert isinstance(mark, IncidentMark) and mark.key == "custom:INC-7" and mark.start == T0


def test_events_no_metric_reads_contribute_nothing() -> None:
    assert (
        facts_of(event("star.created", source="github"), fixture("star/created.payload.json")) == []
    )
    assert facts_of(event("anything", source="generic"), {"a": 1}) == []
    assert facts_of(event("push", source="github"), ["not", "an", "object"]) == []
    unused: Event = event()
    assert facts_of(unused, None) == []
