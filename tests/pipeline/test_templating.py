"""Feed templates applied at parse time: titles and fields, a short cache, nothing ever lost."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from echodash.bus.memory import MemoryBus
from echodash.events import EventDraft, utcnow
from echodash.pipeline import templating
from echodash.pipeline.processor import Processor
from echodash.pipeline.templating import Templates
from echodash.store.base import Store, StoredDelivery
from echodash.store.sqlite import SqliteStore
from echodash.titles import FeedTemplate, worker
from echodash.titles.worker import RenderJob
from tests.support import GITHUB_FIXTURES

PUSH = (GITHUB_FIXTURES / "push" / "payload.json").read_bytes()
TEMPLATE = FeedTemplate(title="{{ payload.sender.login }} did {{ event.type }}", fields=("ref",))


def run(tmp_path: Path, fn: Callable[[Store, int], Awaitable[None]]) -> None:
    async def main() -> None:
        store = SqliteStore(tmp_path / "t.db")
        await store.open()
        try:
            await fn(store, await store.ensure_default_workspace())
        finally:
            await store.close()

    asyncio.run(main())


def delivery(workspace_id: int, body: bytes = PUSH, event: str = "push") -> StoredDelivery:
    return StoredDelivery(
        endpoint_id=1,
        workspace_id=workspace_id,
        source="github",
        key="k",
        headers={"x-github-event": event, "content-type": "application/json"},
        body=body,
        received_at=utcnow(),
        secret_id=None,
        id=1,
    )


def draft(type_: str = "push") -> EventDraft:
    return EventDraft(type=type_, title="parsed title", actor="octo", fields={"a": 1, "b": 2})


async def titles_of(
    templates: Templates, d: StoredDelivery, drafts: Sequence[EventDraft]
) -> list[str]:
    [(_, out)] = await templates.apply([(d, drafts)])
    return [x.title for x in out]


def test_the_workspaces_template_is_applied_per_fingerprint(tmp_path: Path) -> None:
    async def fn(store: Store, ws: int) -> None:
        await store.put_setting(ws, 0, "template:github:push", TEMPLATE.to_json())
        templates = Templates(store)
        [(_, out)] = await templates.apply([(delivery(ws), [draft(), draft("ping")])])
        pushed, pinged = out
        assert pushed.title == "Codertocat did push"
        assert pushed.fields == {"ref": "refs/tags/simple-tag"}
        assert pinged == draft("ping")  # no template for github:ping
        other = await store.create_workspace("Other")
        assert await titles_of(templates, delivery(other), [draft()]) == ["parsed title"]

    run(tmp_path, fn)


def test_not_json_gives_a_null_payload_and_is_parsed_once_per_delivery(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sent: list[RenderJob] = []

    async def fn(store: Store, ws: int) -> None:
        templates = Templates(store)
        real = templates.pool.render

        async def spy(jobs: Sequence[RenderJob], meter: Any = None) -> Any:
            sent.extend(jobs)
            return await real(jobs, meter)

        monkeypatch.setattr(templates.pool, "render", spy)
        await titles_of(templates, delivery(ws), [draft()])
        assert sent == []  # no template: nothing is rendered, the body not even sent
        title = "{{ event.actor }}: {{ 'none' if payload is none else 'json' }}"
        await store.put_setting(ws, 0, "template:github:push", {"title": title, "fields": None})
        templates.forget()
        got = await titles_of(templates, delivery(ws, b"not json"), [draft(), draft()])
        assert got == ["octo: none", "octo: none"]
        assert [job.body for job in sent] == [b"not json"]  # one job for both drafts
        templates.close()

    run(tmp_path, fn)
    # And the render child parses that job's body once for its two drafts.
    calls: list[bytes] = []
    real_payload = worker._payload
    monkeypatch.setattr(worker, "_payload", lambda body: calls.append(body) or real_payload(body))
    worker.render_job(sent[0])
    assert calls == [b"not json"]


def test_templates_are_cached_for_five_seconds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(templating.time, "monotonic", lambda: now[0])

    async def fn(store: Store, ws: int) -> None:
        templates = Templates(store)
        assert await titles_of(templates, delivery(ws), [draft()]) == ["parsed title"]
        await store.put_setting(ws, 0, "template:github:push", TEMPLATE.to_json())
        now[0] += 4.9
        assert await titles_of(templates, delivery(ws), [draft()]) == ["parsed title"]
        now[0] += 0.2
        assert await titles_of(templates, delivery(ws), [draft()]) == ["Codertocat did push"]

    run(tmp_path, fn)


def test_invalid_stored_templates_are_skipped_and_logged(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    async def fn(store: Store, ws: int) -> None:
        await store.put_setting(ws, 0, "template:github:ping", {"title": 5, "fields": None})
        await store.put_setting(ws, 0, "template:github:push", TEMPLATE.to_json())
        with caplog.at_level(logging.WARNING, logger="echodash.templating"):
            got = await titles_of(Templates(store), delivery(ws), [draft(), draft("ping")])
        assert got == ["Codertocat did push", "parsed title"]
        assert "template:github:ping" in caplog.text

    run(tmp_path, fn)


def test_failures_keep_the_drafts_as_parsed(tmp_path: Path) -> None:
    async def fn(store: Store, ws: int) -> None:
        # Fails when rendered: the parser's title stays, the chosen fields still apply.
        broken = {"title": "{{ payload.sender.login.x.y }}", "fields": ["ref"]}
        await store.put_setting(ws, 0, "template:github:push", broken)
        [(_, [out])] = await Templates(store).apply([(delivery(ws), [draft()])])
        assert out.title == "parsed title" and out.fields == {"ref": "refs/tags/simple-tag"}

        class Down(Templates):
            async def of(self, workspace_id: int) -> dict[str, FeedTemplate]:
                raise RuntimeError("store down")

        d, drafts = delivery(ws), [draft()]
        [(same, kept)] = await Down(store).apply([(d, drafts)])
        assert same is d and kept is drafts

    run(tmp_path, fn)


def test_processor_parse_and_replay_apply_the_template(tmp_path: Path) -> None:
    async def fn(store: Store, ws: int) -> None:
        processor = Processor(store, MemoryBus())
        [(_, [before])] = await processor._parse([delivery(ws)])
        assert before.title != "Codertocat did push"
        await store.put_setting(ws, 0, "template:github:push", TEMPLATE.to_json())
        processor.templates.forget(ws)
        [(_, [after])] = await processor._parse([delivery(ws)])
        assert after.title == "Codertocat did push"
        assert after.fields == {"ref": "refs/tags/simple-tag"}
        assert after.summary == before.summary and after.actor == before.actor

        async def boom(parsed: Any) -> Any:
            raise RuntimeError("bug")

        processor.templates.apply = boom  # type: ignore[method-assign]
        [(_, [kept])] = await processor._parse([delivery(ws)])
        assert kept == before

    run(tmp_path, fn)
