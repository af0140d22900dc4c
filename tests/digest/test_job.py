"""The digest job end to end: a real SQLite store, a real SMTP server on localhost."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from datetime import datetime, timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any, cast

import pytest

from echodash.config import Settings
from echodash.digest.job import DigestJob, preview_digest
from echodash.digest.mailer import Mailer
from echodash.events import Delivery, EventDraft, Severity, utcnow
from echodash.store import open_store
from echodash.store.base import EndpointRecord, Store
from tests.digest.smtp_server import Inbox, local_smtp
from tests.support import free_port

# Picks its store itself (SQLite): run once, in the SQLite pass.
pytestmark = pytest.mark.own_stores


BASE_URL = "https://hooks.example.com"


@pytest.fixture
def smtp() -> Iterator[tuple[Inbox, int]]:
    with local_smtp() as server:
        yield server


def settings_for(port: int) -> Settings:
    return Settings(
        smtp_host="127.0.0.1",
        smtp_port=port,
        smtp_security="none",
        smtp_from="EchoDash <digest@example.com>",
        public_url=BASE_URL,
    )


def run(tmp_path: Path, fn: Any) -> Any:
    """Run `fn(store)` against a fresh, open SQLite store."""

    async def main() -> Any:
        store = open_store(f"sqlite:///{tmp_path}/e.db")
        await store.open()
        try:
            return await fn(store)
        finally:
            await store.close()

    return asyncio.run(main())


async def add_event(
    store: Store, endpoint: EndpointRecord, key: str, draft: EventDraft, at: datetime
) -> None:
    await store.append_delivery(
        Delivery(
            endpoint_id=endpoint.id,
            workspace_id=endpoint.workspace_id,
            source=endpoint.kind,
            key=key,
            headers={},
            body=b"{}",
            received_at=at,
            secret_id=None,
        )
    )
    (pending,) = await store.pending_deliveries(10)
    await store.save_events([(pending, [draft])])


async def acme(store: Store) -> tuple[int, int]:
    """Workspace Acme with 5 github and 2 stripe events today, and one from 2 days ago;
    member Ada. Returns (workspace id, Ada's id)."""
    ws = await store.create_workspace("Acme")
    github = await store.create_endpoint(ws, "github", "acme/web", "gh-acme", {}, None)
    stripe = await store.create_endpoint(ws, "stripe", "billing", "st-acme", {}, None)
    now = utcnow()
    for i in range(5):
        draft = EventDraft(type="push", title=f"ada pushed {i + 1} commits", occurred_at=now)
        await add_event(store, github, f"g{i}", draft, now - timedelta(minutes=10 - i))
    await add_event(
        store,
        stripe,
        "s0",
        EventDraft(type="charge.succeeded", title="Charge of $20 succeeded"),
        now - timedelta(minutes=3),
    )
    failed = EventDraft(
        type="charge.failed", title="Charge of $99 <failed>", severity=Severity.ERROR
    )
    await add_event(store, stripe, "s1", failed, now - timedelta(minutes=2))
    old = now - timedelta(days=2)
    stale = EventDraft(type="push", title="ancient push", occurred_at=old)
    await add_event(store, github, "old", stale, old)
    ada = await store.create_user("ada@example.com", "Ada Lovelace", "hash")
    await store.add_member(ws, ada.id, "member")
    return ws, ada.id


def subscribe(sources: list[str] | None = None, frequency: str = "daily") -> dict[str, Any]:
    return {"frequency": frequency, "sources": sources or [], "types": [], "last_sent_at": None}


def text_of(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    return cast(str, part.get_content())


def html_of(message: EmailMessage) -> str:
    part = message.get_body(("html",))
    assert part is not None
    return cast(str, part.get_content())


def counted(text: str, label: str) -> int | None:
    for line in text.splitlines():
        words = line.split()
        if len(words) == 2 and words[0] == label:
            return int(words[1])
    return None


def test_the_daily_digest_arrives_once(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp
    job = DigestJob(settings_for(port))

    async def scenario(store: Store) -> tuple[str, str, Any]:
        ws, ada = await acme(store)
        await store.put_setting(ws, ada, "digest", subscribe())
        first = await job.run(store)
        second = await job.run(store)
        return first, second, await store.get_setting(ws, ada, "digest")

    first, second, saved = run(tmp_path, scenario)
    assert first == "sent 1 digest"
    assert second == "no digests due"
    (envelope,) = inbox.envelopes
    assert envelope.rcpt_tos == ["ada@example.com"]
    (message,) = inbox.messages()
    assert message["To"] == "Ada Lovelace <ada@example.com>"
    assert message["From"] == "EchoDash <digest@example.com>"
    assert message["Message-ID"] and message["Date"]
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "EchoDash daily digest — Acme: 7 events (1 needs attention)"
    text = text_of(message)
    assert counted(text, "github") == 5
    assert counted(text, "stripe") == 2
    assert "ancient push" not in text
    assert "[ERROR] Charge of $99 <failed>" in text
    # The error comes first, then the newest of the rest.
    listed = [line.strip() for line in text.splitlines() if line.strip().startswith("[")]
    assert listed[0] == "[ERROR] Charge of $99 <failed>"
    assert listed[1] == "[INFO] Charge of $20 succeeded"
    assert len(listed) == 7
    html = html_of(message)
    assert "Charge of $99 &lt;failed&gt;" in html
    assert f"{BASE_URL}/settings/notifications" in html
    assert saved["last_sent_at"] is not None
    assert saved["frequency"] == "daily"


def test_a_subscription_to_one_source_counts_only_it(
    tmp_path: Path, smtp: tuple[Inbox, int]
) -> None:
    inbox, port = smtp

    async def scenario(store: Store) -> str:
        ws, ada = await acme(store)
        await store.put_setting(ws, ada, "digest", subscribe(["stripe"]))
        return await DigestJob(settings_for(port)).run(store)

    assert run(tmp_path, scenario) == "sent 1 digest"
    (message,) = inbox.messages()
    assert message["Subject"] == "EchoDash daily digest — Acme: 2 events (1 needs attention)"
    text = text_of(message)
    assert counted(text, "stripe") == 2
    assert counted(text, "github") is None
    assert "pushed" not in text


def test_people_who_left_the_workspace_get_nothing(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp

    async def scenario(store: Store) -> tuple[str, Any]:
        ws, ada = await acme(store)
        await store.put_setting(ws, ada, "digest", subscribe())
        await store.remove_member(ws, ada)
        return await DigestJob(settings_for(port)).run(store), await store.get_setting(
            ws, ada, "digest"
        )

    account, saved = run(tmp_path, scenario)
    assert account == "sent 0 digests, 1 for people no longer in the workspace skipped"
    assert inbox.envelopes == []
    assert saved["last_sent_at"] is None


def test_quiet_periods_send_nothing_but_move_on(tmp_path: Path, smtp: tuple[Inbox, int]) -> None:
    inbox, port = smtp

    async def scenario(store: Store) -> tuple[str, Any]:
        ws = await store.create_workspace("Quiet")
        bob = await store.create_user("bob@example.com", "Bob", "hash")
        await store.add_member(ws, bob.id, "admin")
        await store.put_setting(ws, bob.id, "digest", subscribe())
        await store.put_setting(ws, bob.id, "digest.muted", {"x": 1})  # another key: ignored
        await store.put_setting(ws, 0, "digest", {"frequency": "hourly"})  # unreadable
        return await DigestJob(settings_for(port)).run(store), await store.get_setting(
            ws, bob.id, "digest"
        )

    account, saved = run(tmp_path, scenario)
    assert account == "sent 0 digests, 1 empty, not sent, 1 unreadable subscription"
    assert inbox.envelopes == []
    assert saved["last_sent_at"] is not None


def test_a_failed_send_is_reported_and_retried_next_time(tmp_path: Path) -> None:
    closed = free_port()  # nothing listens here

    async def scenario(store: Store) -> tuple[str, Any]:
        ws, ada = await acme(store)
        await store.put_setting(ws, ada, "digest", subscribe())
        return await DigestJob(settings_for(closed)).run(store), await store.get_setting(
            ws, ada, "digest"
        )

    account, saved = run(tmp_path, scenario)
    assert account.startswith("sent 0 digests, 1 failed (smtp: could not reach the SMTP server")
    assert saved["last_sent_at"] is None


def test_without_smtp_nothing_is_touched(tmp_path: Path) -> None:
    async def scenario(store: Store) -> tuple[str, Any]:
        ws, ada = await acme(store)
        await store.put_setting(ws, ada, "digest", subscribe())
        job = DigestJob(Settings(), Mailer(Settings()))
        assert job.every == timedelta(seconds=300)
        return await job.run(store), await store.get_setting(ws, ada, "digest")

    account, saved = run(tmp_path, scenario)
    assert account == "e-mail is not configured (ECHODASH_SMTP_HOST)"
    assert saved == subscribe()


def test_preview_renders_without_sending_or_saving(tmp_path: Path) -> None:
    async def scenario(store: Store) -> tuple[Any, Any, Any]:
        ws, ada = await acme(store)
        default = await preview_digest(store, ws, ada, BASE_URL, utcnow())
        await store.put_setting(ws, ada, "digest", subscribe(["github"], "off"))
        github_only = await preview_digest(store, ws, ada, BASE_URL, utcnow())
        stranger = await preview_digest(store, ws, 9999, BASE_URL, utcnow())
        saved = await store.get_setting(ws, ada, "digest")
        assert saved is not None and saved["last_sent_at"] is None
        return default, github_only, stranger

    default, github_only, stranger = run(tmp_path, scenario)
    assert default[0] == "EchoDash daily digest — Acme: 7 events (1 needs attention)"
    assert github_only[0] == "EchoDash daily digest — Acme: 5 events"
    assert "ancient push" not in github_only[1]
    assert stranger is None
