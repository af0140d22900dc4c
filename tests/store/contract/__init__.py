"""The Store contract, one file per part of the interface (`test_<part>.py` for each module of
`store/base/`). Every test runs on every backend, and again on each backend with a failing job
riding along every write (see `tests/store/faults.py`); the `run` and `backend` fixtures are
in `tests/store/conftest.py`."""

from __future__ import annotations

from typing import Any

from echodash.events import Delivery, EventDraft, utcnow
from echodash.store.base import Store
from tests.store.conftest import BACKENDS, FAULTY

STORES = {**BACKENDS, **FAULTY}


async def endpoint_in(store: Store, workspace: int | None = None, kind: str = "github") -> Any:
    """A new endpoint with one secret, in the default workspace unless told otherwise."""
    ws = workspace or await store.ensure_default_workspace()
    return await store.create_endpoint(ws, kind, "acme/web", f"slug-{kind}-{ws}", {}, "sealed-1")


def delivery_of(endpoint: Any, key: str, body: bytes = b"{}") -> Delivery:
    return Delivery(
        endpoint_id=endpoint.id,
        workspace_id=endpoint.workspace_id,
        source=endpoint.kind,
        key=key,
        headers={"x-github-event": "push"},
        body=body,
        received_at=utcnow(),
        secret_id=endpoint.secrets[0].id if endpoint.secrets else None,
    )


async def saved(store: Store, endpoint: Any, drafts: list[EventDraft]) -> list[Any]:
    """One delivery per draft, each turned into its event."""
    for i in range(len(drafts)):
        await store.append_delivery(delivery_of(endpoint, f"saved-{i}-{drafts[i].title[:20]}"))
    pending = await store.pending_deliveries(len(drafts))
    return await store.save_events([(d, [draft]) for d, draft in zip(pending, drafts, strict=True)])
