"""`echodash import` of an export made by a version that kept Notion's verification token in
plain text (issue 10, finding 7): the token comes back as the endpoint's secret only."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

import orjson

from echodash.crypto import SecretBox
from echodash.events import Delivery, EventDraft, Severity, utcnow
from echodash.sources.notion import REDACTED
from echodash.store import open_store
from echodash.store.base import EventFilter
from tests.cli.test_portable import echodash, ok, sqlite_url

TOKEN = "secret_Vb6nM3xC9zL2kJ5hG8fD1sA4qW7eR0tY3uI6oP9"
OLD_HANDSHAKE = b'{"verification_token": "' + TOKEN.encode() + b'"}'


def _old_workspace(data_dir: Path) -> None:
    """A Notion endpoint after its handshake, stored as an older version did."""

    async def main() -> None:
        store = open_store(sqlite_url(data_dir))
        await store.open()
        box = SecretBox.from_setting_or_file("", data_dir)
        try:
            ws = await store.ensure_default_workspace()
            wiki = await store.create_endpoint(
                ws, "notion", "wiki", "wiki-slug", {}, box.seal(TOKEN)
            )
            headers = {"content-type": "application/json"}
            await store.append_delivery(
                Delivery(wiki.id, ws, "notion", "sha256:x", headers, OLD_HANDSHAKE, utcnow(), None)
            )
            (pending,) = await store.pending_deliveries(1)
            draft = EventDraft(
                type="verification",
                title="Notion sent its verification token — paste it into Notion to finish",
                severity=Severity.WARNING,
                fields={"verification_token": TOKEN},
            )
            await store.save_events([(pending, [draft])])
        finally:
            await store.close()

    asyncio.run(main())


def test_an_old_export_is_imported_without_the_token(tmp_path: Path) -> None:
    source, target = tmp_path / "source", tmp_path / "target"
    _old_workspace(source)
    exported = tmp_path / "old.jsonl"
    ok(echodash(source, "export", str(exported)))
    # The file as an older version wrote it, the token in the handshake and its event.
    lines = [orjson.loads(line) for line in exported.read_bytes().splitlines()]
    for line in lines:
        if line["type"] == "delivery":
            line["body_base64"] = base64.b64encode(OLD_HANDSHAKE).decode()
        if line["type"] == "event":
            line["fields"] = {"verification_token": TOKEN}
    exported.write_bytes(b"".join(orjson.dumps(line) + b"\n" for line in lines))

    ok(echodash(target, "import", str(exported)))

    async def stored() -> tuple[bytes, dict[str, object], str]:
        store = open_store(sqlite_url(target))
        await store.open()
        box = SecretBox.from_setting_or_file("", target)
        try:
            ws = await store.ensure_default_workspace()
            (event,) = await store.list_events(ws, EventFilter(), 10)
            assert event.delivery_id is not None
            delivery = await store.get_delivery(ws, event.delivery_id)
            assert delivery is not None
            (endpoint,) = await store.list_endpoints(ws)
            return delivery.body, event.fields, box.open(endpoint.secrets[0].sealed)
        finally:
            await store.close()

    body, fields, secret = asyncio.run(stored())
    assert orjson.loads(body) == {"verification_token": REDACTED}
    assert fields == {"verification_token": REDACTED}
    assert secret == TOKEN
    assert TOKEN.encode() not in (target / "echodash.db").read_bytes()
