"""Starting a history import (backfill) for an endpoint: what the API and the source's page
share — the checks, the sealed token, and not starting the same import twice."""

from __future__ import annotations

from urllib.parse import urlsplit

from echodash.alerts.ssrf import Blocked, parse_allow, resolve
from echodash.backfill.base import parse_since
from echodash.backfill.providers import PROVIDERS, github_params, gitlab_params
from echodash.events import utcnow
from echodash.store.base import BackfillRun, EndpointRecord
from echodash.web.services import Services


class CannotStart(ValueError):
    """The import cannot be started; the message says why (for a person)."""


def can_backfill(kind: str) -> bool:
    return kind in PROVIDERS


async def start_backfill(
    svc: Services,
    record: EndpointRecord,
    repo: str | None,
    since: str | None,
    api_url: str | None,
    token: str | None,
) -> BackfillRun:
    """A running background import of `record`'s history (the one already running for the
    same request, if any)."""
    if not can_backfill(record.kind):
        raise CannotStart(f"History cannot be imported for {record.kind} endpoints.")
    try:
        if record.kind == "gitlab":  # `repo` carries the project's GROUP/NAME
            params = gitlab_params(repo or record.name, since, api_url)
        else:
            params = github_params(repo or record.name, since, api_url)
        parse_since(params["since"], 90, utcnow())
    except ValueError as exc:
        raise CannotStart(str(exc)) from None
    address = urlsplit(params["api_url"])
    try:
        port = address.port or (443 if address.scheme == "https" else 80)
        await resolve(address.hostname or "", port, parse_allow(svc.settings.outbound_allow))
    except (Blocked, ValueError) as exc:
        raise CannotStart(f"api_url cannot be used: {exc}") from None
    store = svc.store
    running = await store.resumable_backfill(record.workspace_id, record.id, record.kind, params)
    if running is not None and running.status == "running" and running.background:
        return running
    sealed = svc.box.seal(token) if token else None
    return await store.create_backfill(
        record.workspace_id, record.id, record.kind, params, sealed, True
    )
