"""Feed templates render in a child process with hard limits: a render that passes its
time or memory limit fails alone, the child is replaced, and the next render works."""

from __future__ import annotations

import asyncio
import time

from echodash.events import EventDraft
from echodash.titles import FeedTemplate
from echodash.titles.worker import TOO_SLOW, RenderJob, RenderPool

DRAFT = EventDraft(type="push", title="parsed title", actor="octo")
BODY = b'{"sender": {"login": "Codertocat"}, "n": 3}'
GOOD = FeedTemplate(title="{{ payload.sender.login }} pushed")


def _job(template: FeedTemplate) -> RenderJob:
    return RenderJob("github", BODY, ((DRAFT, template), (DRAFT, None)))


def _titles(pool: RenderPool, *jobs: RenderJob) -> list[list[tuple[str, str | None]]]:
    rendered = asyncio.run(pool.render(list(jobs)))
    return [[(draft.title, error) for draft, error in job] for job in rendered]


def test_templates_render_in_a_child_and_untemplated_drafts_stay() -> None:
    pool = RenderPool("test-good")
    try:
        assert _titles(pool, _job(GOOD)) == [[("Codertocat pushed", None), ("parsed title", None)]]
        assert pool.restarts == 1
        # Jobs without a template never reach the child.
        assert _titles(pool, RenderJob("github", BODY, ((DRAFT, None),))) == [
            [("parsed title", None)]
        ]
    finally:
        pool.close()


def test_a_render_past_the_time_limit_is_cut_off_and_the_child_replaced() -> None:
    # This render works for the sandbox's 0.25 s; the hard limit here is far shorter, so the
    # child is killed mid-render (in the server the hard limit is what the sandbox cannot
    # interrupt: one long operation in C).
    pool = RenderPool("test-slow", hard_seconds=0.05)
    slow = FeedTemplate(
        title='{% for i in ("x " * 100).split() %}'
        + '{{ ("ab " * 33333) | wordcount }}' * 4
        + "{% endfor %}"
    )
    try:
        started = time.monotonic()
        assert _titles(pool, _job(slow)) == [[("parsed title", TOO_SLOW), ("parsed title", None)]]
        assert time.monotonic() - started < 5
        assert _titles(pool, _job(slow)) == [[("parsed title", TOO_SLOW), ("parsed title", None)]]
        assert pool.restarts == 2  # a new child each time
    finally:
        pool.close()


def test_a_render_past_the_memory_limit_fails_alone() -> None:
    # Within every limit the sandbox counts (66,000 short strings, ~4 MB), but not within the
    # child's memory, set low here to show what happens at the real limit.
    pool = RenderPool("test-hungry", memory_limit=2 * 1024 * 1024)
    try:
        hungry = FeedTemplate(
            title="{{ (('xy ' * 33000).split() + ('yz ' * 33000).split()) | length }}"
        )
        [[(title, error), untouched]] = _titles(pool, _job(hungry))
        assert title == "parsed title" and error is not None
        assert "too much memory" in error, error
        assert untouched == ("parsed title", None)
        assert _titles(pool, _job(GOOD))[0][0] == ("Codertocat pushed", None)
    finally:
        pool.close()
