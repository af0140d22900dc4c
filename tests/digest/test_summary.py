"""build_digest on a real SQLite store: the window, the filters and the notable events."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from echodash.digest.subscription import Subscription
from echodash.digest.summary import Digest, build_digest
from echodash.events import EventDraft, Outcome, Severity, utcnow
from echodash.store.base import Store
from tests.digest.test_job import add_event, run

pytestmark = pytest.mark.own_stores


async def busy_workspace(store: Store) -> int:
    """Pushes of every severity and a few issue events, all within the last day."""
    ws = await store.create_workspace("Busy")
    github = await store.create_endpoint(ws, "github", "acme/web", "gh-busy", {}, None)
    now = utcnow()
    plan = (
        [("push", Severity.CRITICAL, "crit")]
        + [("push", Severity.ERROR, f"err{i}") for i in range(2)]
        + [("push", Severity.WARNING, f"warn{i}") for i in range(12)]
        + [("push", Severity.INFO, f"info{i}") for i in range(3)]
        + [("issues", Severity.ERROR, f"issue{i}") for i in range(2)]
    )
    for n, (kind, severity, title) in enumerate(plan):
        at = now - timedelta(minutes=60 - n)
        draft = EventDraft(type=kind, title=title, severity=severity, occurred_at=at)
        await add_event(store, github, title, draft, at)
    return ws


def digest_of(tmp_path: Path, sub: Subscription) -> Digest:
    async def scenario(store: Store) -> Digest:
        ws = await busy_workspace(store)
        return await build_digest(store, ws, "Busy", sub, utcnow())

    result: Digest = run(tmp_path, scenario)
    return result


def test_notable_puts_the_most_severe_first_then_the_newest(tmp_path: Path) -> None:
    digest = digest_of(tmp_path, Subscription("daily", types=("github:push",)))
    assert digest.total == 18
    assert digest.per_source == [("github", 18)]
    assert digest.per_type == [("github:push", 18)]
    assert digest.by_severity == {"critical": 1, "error": 2, "warning": 12, "info": 3}
    assert [e.title for e in digest.notable] == [
        "crit",
        "err1",
        "err0",
        *[f"warn{i}" for i in range(11, 4, -1)],
    ]
    assert digest.more_notable == 5
    assert digest.attention == 15
    # "…and 5 more needing attention" leads to the feed showing those 15: warning or worse,
    # of the one type subscribed to, over the day.
    assert digest.attention_query == {
        "severity": "warning+",
        "range": "24h",
        "source": "github",
        "type": "push",
    }


def test_a_weekly_digest_of_every_source_links_the_week_of_the_whole_feed(
    tmp_path: Path,
) -> None:
    digest = digest_of(tmp_path, Subscription("weekly"))
    assert digest.attention == 17
    assert digest.attention_query == {"severity": "warning+", "range": "7d"}


def test_few_attention_events_are_filled_up_with_the_newest_others(tmp_path: Path) -> None:
    digest = digest_of(tmp_path, Subscription("daily", types=("github:issues",)))
    assert digest.total == 2
    assert [e.title for e in digest.notable] == ["issue1", "issue0"]
    assert digest.more_notable == 0


def test_the_window_starts_at_the_last_send_when_that_is_later(tmp_path: Path) -> None:
    since = utcnow() - timedelta(minutes=45, seconds=30)
    digest = digest_of(tmp_path, Subscription("weekly", last_sent_at=since))
    assert digest.period_start == since
    # Events 15 minutes (and more) into the hour came after the last send.
    assert digest.total == 20 - 15
    assert digest.per_type == [("github:push", 3), ("github:issues", 2)]
    assert [e.title for e in digest.notable] == ["issue1", "issue0", "info2", "info1", "info0"]


def test_a_severity_floor_counts_and_lists_only_events_that_bad(tmp_path: Path) -> None:
    digest = digest_of(tmp_path, Subscription("daily", severity="error+"))
    assert digest.total == 5  # 1 critical and 2 errors among the pushes, 2 error issues
    assert digest.by_severity == {"critical": 1, "error": 4}
    assert {e.severity for e in digest.notable} <= {Severity.CRITICAL, Severity.ERROR}
    assert len(digest.notable) == 5


def test_chosen_outcomes_keep_only_events_with_that_outcome(tmp_path: Path) -> None:
    async def scenario(store: Store) -> Digest:
        ws = await busy_workspace(store)  # none of these has an outcome
        github = await store.create_endpoint(ws, "github", "acme/api", "gh-deploys", {}, None)
        now = utcnow()
        for n, outcome in enumerate([Outcome.FAILURE, Outcome.SUCCESS, Outcome.FAILURE]):
            at = now - timedelta(minutes=5 - n)
            draft = EventDraft(type="deployment_status", title=f"deploy {n} {outcome}",
                               severity=Severity.INFO, occurred_at=at, outcome=outcome)  # fmt: skip
            await add_event(store, github, f"deploy{n}", draft, at)
        sub = Subscription("daily", outcomes=("failure",))
        return await build_digest(store, ws, "Busy", sub, utcnow())

    digest: Digest = run(tmp_path, scenario)
    assert digest.total == 2
    assert sorted(e.title for e in digest.notable) == ["deploy 0 failure", "deploy 2 failure"]
