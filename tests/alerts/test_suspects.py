"""What changed before an alert, best first, each with its reason."""

from __future__ import annotations

from datetime import timedelta

from echodash.alerts.suspects import context_of, rank
from echodash.events import Category, Outcome
from tests.alerts.events import T0, event

SHA = "3f786850e387550fdab836ed7e6dc881de23001b"
LINKED = [["github:acme/web", "cloudflare:example.com", "vercel:web"]]


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def origin_alert():  # type: ignore[no-untyped-def]
    return event(
        "alert.origin_error_rate",
        source="cloudflare",
        category=Category.ALERT,
        service="cloudflare:example.com",
        at=T0,
    )


def test_a_cloudflare_alert_names_the_production_deploy_of_the_linked_repository_first() -> None:
    alert = origin_alert()
    deploy = event(
        "deployment_status",
        category=Category.DEPLOYMENT,
        service="github:acme/web",
        environment="production",
        outcome=Outcome.SUCCESS,
        commits=(SHA,),
        at=T0 - minutes(10),
    )
    unrelated_push = event(
        "push",
        category=Category.CHANGE,
        service="github:acme/docs",
        commits=("b" * 40,),
        at=T0 - minutes(2),
    )
    build = event("workflow_run.completed", category=Category.BUILD, service="github:acme/web")
    suspects = rank(context_of([alert], T0), [unrelated_push, build, deploy], LINKED)
    assert [s.event.id for s in suspects] == [deploy.id, unrelated_push.id]
    assert (
        suspects[0].reason == "deployed to production in acme/web 10 min before (a linked service)"
    )
    assert suspects[1].reason == "pushed code in acme/docs 2 min before"
    assert suspects[0].score > suspects[1].score


def test_overlap_then_kind_then_closeness() -> None:
    failing = event(
        "workflow_run.completed",
        category=Category.BUILD,
        service="github:acme/web",
        environment="production",
        commits=(SHA,),
        outcome=Outcome.FAILURE,
    )
    named = event(
        "push",
        category=Category.CHANGE,
        service="github:acme/web",
        commits=(SHA,),
        at=T0 - minutes(90),
    )
    config = event(
        "zone.settings", category=Category.CONFIG, service="github:acme/web", at=T0 - minutes(5)
    )
    release = event(
        "release.published",
        category=Category.RELEASE,
        service="github:acme/web",
        at=T0 - minutes(50),
    )
    staging = event(
        "deployment_status",
        category=Category.DEPLOYMENT,
        service="github:acme/web",
        environment="staging",
        at=T0 - minutes(1),
    )
    elsewhere = event(
        "deployment_status",
        category=Category.DEPLOYMENT,
        service="github:acme/api",
        environment="production",
        at=T0 - minutes(1),
    )
    suspects = rank(context_of([failing], T0), [config, elsewhere, staging, release, named])
    ordered = [s.event.id for s in suspects]
    # The push whose commit the failing run names: service and SHA overlap (2) — first.
    # Then same service only (1): the staging deploy, the release, the config change (by kind).
    # Then the production deploy of another service (environment overlap, 1 — ties: kind).
    assert ordered[0] == named.id
    assert ordered.index(staging.id) < ordered.index(release.id) < ordered.index(config.id)
    assert named.id in ordered and elsewhere.id in ordered
    assert "the alert's events name its commit 3f786850e387" in suspects[0].reason
    assert suspects[0].reason.startswith("pushed code in acme/web 1 h 30 min before")


def test_only_changes_inside_the_window_before_the_alert() -> None:
    alert = origin_alert()
    old = event(
        "deployment_status",
        category=Category.DEPLOYMENT,
        service="github:acme/web",
        at=T0 - minutes(121),
    )
    after = event(
        "deployment_status",
        category=Category.DEPLOYMENT,
        service="github:acme/web",
        at=T0 + minutes(1),
    )
    issue = event(
        "issues.opened", category=Category.ISSUE, service="github:acme/web", at=T0 - minutes(1)
    )
    assert rank(context_of([alert], T0), [old, after, issue], LINKED) == []
    assert len(rank(context_of([alert], T0), [old], LINKED, window_seconds=3 * 3600)) == 1


def test_one_deploy_reported_twice_is_one_suspect() -> None:
    started = event(
        "deployment_status",
        category=Category.DEPLOYMENT,
        service="vercel:web",
        environment="production",
        commits=(SHA,),
        outcome=Outcome.STARTED,
        at=T0 - minutes(12),
    )
    done = event(
        "deployment_status",
        category=Category.DEPLOYMENT,
        service="vercel:web",
        environment="production",
        commits=(SHA,),
        outcome=Outcome.FAILURE,
        at=T0 - minutes(9),
    )
    suspects = rank(context_of([origin_alert()], T0), [started, done], LINKED)
    assert [s.event.id for s in suspects] == [done.id]
    assert suspects[0].reason.startswith("a deploy failed to production in web 9 min before")
