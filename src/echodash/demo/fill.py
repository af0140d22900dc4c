"""Filling a workspace with the demo company, through the app's own receive path.

Every webhook goes to `/in/<slug>` of an endpoint the demo made (marked as the demo's), signed
with that endpoint's secret as its sender signs; the product's events go to
`POST /api/v1/events` with a demo API token. Requests go to the running ASGI app in process
(`httpx.ASGITransport`): the same code a sender on the network reaches, without the sockets.
The history goes first, then the alert rules, then the present: a bad deploy minutes ago
whose errors fire an alert that names it as the suspect.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import httpx
from starlette.types import ASGIApp

from echodash.alerts.rules import parse_rule
from echodash.crypto import SecretBox, hash_token
from echodash.demo import rules
from echodash.demo.company import DEFAULT_SEED, Live, simulate
from echodash.demo.model import SOURCES, Company, Sending
from echodash.demo.signing import signed
from echodash.endpoint_admin import NameTakenError, create_endpoint
from echodash.events import utcnow
from echodash.sources import source_class
from echodash.store.base import EndpointRecord, Store
from echodash.store.demo_sql import DEMO_WORKSPACE_NAME

BATCH = 2_000
CONCURRENCY = 24
# How long the fill waits for the pipeline and the alert evaluation to catch up.
SETTLE_SECONDS = 180.0
_BASE = "http://echodash-demo.internal"


class DemoError(Exception):
    """Something a person must know: the demo is loaded already, or not loaded."""


@dataclass(frozen=True, slots=True)
class FillReport:
    deliveries: int
    custom_events: int
    seconds: float


@dataclass(slots=True)
class DemoSender:
    """What sending as the demo company needs: each source's receive URL and secret, an API
    token for custom events, and the key prefix that marks the demo's custom events."""

    endpoints: dict[str, tuple[str, str]]
    token: str
    custom_prefix: str

    async def send(self, client: httpx.AsyncClient, company: Company) -> None:
        limit = asyncio.Semaphore(CONCURRENCY)

        async def one(sending: Sending) -> None:
            slug, secret = self.endpoints[sending.source]
            body, headers = signed(sending, secret)
            async with limit:
                answer = await client.post(f"/in/{slug}", content=body, headers=headers)
            if answer.status_code != 202:
                raise DemoError(
                    f"{sending.source} delivery refused: {answer.status_code} {answer.text[:200]}"
                )

        # The product's events first: the feed (newest first) then opens on the tools'.
        await self.send_custom(client, company.custom)
        await asyncio.gather(*(one(s) for s in company.deliveries))

    async def send_custom(
        self, client: httpx.AsyncClient, events: Sequence[dict[str, Any]]
    ) -> None:
        headers = {"authorization": f"Bearer {self.token}"}
        batches = [
            [{**e, "id": f"{self.custom_prefix}{e['id']}"} for e in events[i : i + BATCH]]
            for i in range(0, len(events), BATCH)
        ]

        async def one(batch: list[dict[str, Any]]) -> None:
            answer = await client.post("/api/v1/events", json={"batch": batch}, headers=headers)
            if answer.status_code != 202:
                raise DemoError(f"custom events refused: {answer.status_code} {answer.text[:200]}")

        await asyncio.gather(*(one(b) for b in batches))


def client_for(app: ASGIApp) -> httpx.AsyncClient:
    """A client of the app in this process."""
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=_BASE, timeout=120)


async def is_loaded(store: Store, workspace_id: int) -> bool:
    return bool(await store.demo_marks(workspace_id))


async def prepare(store: Store, box: SecretBox, workspace_id: int, *, rename: bool) -> DemoSender:
    """Make the demo's endpoints and API token, marked as the demo's."""
    if await is_loaded(store, workspace_id):
        raise DemoError("This workspace has the demo data already.")
    nonce = secrets.token_hex(6)
    prefix = f"demo-{nonce}-"
    await store.mark_demo(workspace_id, "custom", f"id:{prefix}")
    if rename:
        workspace = await store.get_workspace(workspace_id)
        if workspace is not None and workspace.name != DEMO_WORKSPACE_NAME:
            await store.mark_demo(workspace_id, "name", workspace.name)
            await store.rename_workspace(workspace_id, DEMO_WORKSPACE_NAME)
    endpoints: dict[str, tuple[str, str]] = {}
    for kind in SOURCES:
        record, secret = await _endpoint(store, box, workspace_id, kind)
        await store.mark_demo(workspace_id, "endpoint", str(record.id))
        endpoints[kind] = (record.slug, secret)
    token = await _token(store, workspace_id)
    return DemoSender(endpoints, token, prefix)


async def attach(store: Store, box: SecretBox, workspace_id: int) -> DemoSender:
    """A sender for a workspace that has the demo already (the live trickle after a restart):
    its endpoints' secrets, and a new demo token (the old one's value is not kept)."""
    marks = await store.demo_marks(workspace_id)
    ids = {int(ref) for ref in marks.get("endpoint", [])}
    endpoints: dict[str, tuple[str, str]] = {}
    for record in await store.list_endpoints(workspace_id):
        if record.id in ids and record.secrets:
            endpoints[record.kind] = (record.slug, box.open(record.secrets[-1].sealed))
    if set(endpoints) != set(SOURCES) or not marks.get("custom"):
        raise DemoError("The demo's endpoints are incomplete; remove the demo and load it again.")
    prefix = marks["custom"][0].removeprefix("id:")
    return DemoSender(endpoints, await _token(store, workspace_id), prefix)


async def _endpoint(
    store: Store, box: SecretBox, workspace_id: int, kind: str
) -> tuple[EndpointRecord, str]:
    base = f"{source_class(kind).name} (demo)"
    secret = secrets.token_urlsafe(32)
    for n in range(1, 50):
        name = base if n == 1 else f"{base} {n}"
        try:
            return await create_endpoint(store, box, workspace_id, kind, name, secret)
        except NameTakenError:
            continue
    raise DemoError("Too many endpoints named like the demo's.")


async def _token(store: Store, workspace_id: int) -> str:
    token = "edk_demo-" + secrets.token_urlsafe(24)
    record = await store.create_api_token(workspace_id, "demo", hash_token(token), "member")
    await store.mark_demo(workspace_id, "token", str(record.id))
    return token


async def settle(store: Store, timeout: float = SETTLE_SECONDS) -> None:
    """Wait until every stored delivery is an event and every event was evaluated."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not await store.pending_deliveries(1) and await store.queued_events() == 0:
            return
        await asyncio.sleep(0.1)
    raise DemoError("The demo's events were not processed in time.")


async def add_rules(store: Store, workspace_id: int) -> None:
    for document in rules.RULES:
        rule = parse_rule(document)
        record = await store.create_rule(workspace_id, rule.name, rule.to_json(reveal=True))
        await store.mark_demo(workspace_id, "rule", str(record.id))


async def load_demo(
    store: Store,
    box: SecretBox,
    app: ASGIApp,
    workspace_id: int,
    *,
    seed: int = DEFAULT_SEED,
    now: datetime | None = None,
    rename: bool = False,
) -> tuple[FillReport, DemoSender, Live]:
    """Fill the workspace: 90 days of history, the rules, then an incident happening now.
    Returns what was sent, and the sender and the company's present for a live trickle."""
    started = time.monotonic()
    moment = now or utcnow()
    sender = await prepare(store, box, workspace_id, rename=rename)
    company = simulate(seed, moment)
    live = Live(seed, moment)
    async with client_for(app) as client:
        await sender.send(client, company)
        await settle(store)
        # Rules watch what arrives from now on: the history opens no alert, the present does.
        await add_rules(store, workspace_id)
        present = live.incident(moment)
        await sender.send(client, present)
        await settle(store)
    report = FillReport(
        deliveries=len(company.deliveries) + len(present.deliveries),
        custom_events=len(company.custom) + len(present.custom),
        seconds=time.monotonic() - started,
    )
    return report, sender, live
