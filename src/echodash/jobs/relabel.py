"""After a workspace's incident label changes, its incidents from GitHub and GitLab issues are
worked out again from the stored issue events, in the background, so the delivery numbers
follow the new label (docs/metrics.md#settings).

The processor keeps facts with each workspace's label as it stands when a batch is stored; a
node learns of a change at once when the change was saved there, and within the processor's
LABEL_TTL otherwise. So the rebuild waits SETTLE seconds after the change: by then every
node keeps facts with the new label, and the rebuild works out again everything stored
before. It then forgets the workspace's issue incidents and merges the marks of its stored
issue events again, oldest first, a batch at a time. Events stored meanwhile keep their own
facts (merging twice changes nothing). Only issue incidents depend on the label: Cloudflare
and custom incidents, deployments and changes stay as they are.

The store keeps which label version the facts follow, so a rebuild cut short by a restart is
done again at the next start; on a cluster one node at a time rebuilds a workspace (the job
lease), and a change saved during a rebuild leads to another one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from datetime import timedelta

from echodash.events import utcnow
from echodash.metrics.facts import LABELLED_INCIDENT_PREFIXES, LABELLED_KINDS
from echodash.pipeline.processor import LABEL_TTL
from echodash.store.base import Store, StoreUnavailableError

log = logging.getLogger("echodash.jobs")

NAME = "metric-relabel"
SETTLE = LABEL_TTL + 3.0
BATCH = 500
# Besides being told of a change, look for pending rebuilds (another node's change, a rebuild
# cut short by a restart) this often.
IDLE = 60.0


class IncidentRelabel:
    def __init__(
        self, store: Store, settle: float = SETTLE, batch: int = BATCH, idle: float = IDLE
    ) -> None:
        self._store = store
        self._settle = settle
        self._batch = batch
        self._idle = idle
        self._wake = asyncio.Event()

    def kick(self) -> None:
        """A label was changed on this node: look now (the rebuild still waits to settle)."""
        self._wake.set()

    async def run(self) -> None:
        """Rebuild pending workspaces until cancelled."""
        while True:
            self._wake.clear()
            try:
                wait = await self.run_pending()
            except StoreUnavailableError:
                wait = 1.0
            except Exception:
                log.exception("relabel: rebuilding incident facts failed; trying again in 5 s")
                wait = 5.0
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._idle if wait is None else wait)

    async def run_pending(self) -> float | None:
        """Rebuild each pending workspace whose change has settled; the seconds until the
        next one is due, or None when none is pending."""
        due: float | None = None
        for relabel in await self._store.pending_relabels():
            left = (relabel.changed_at - utcnow()).total_seconds() + self._settle
            if left <= 0 and await self.rebuild(relabel.workspace_id) is not None:
                continue
            # Not settled yet, or another node is at it: look again then.
            wait = max(left, 1.0)
            due = wait if due is None else min(due, wait)
        return due

    async def rebuild(self, workspace_id: int) -> int | None:
        """Work out the workspace's issue incidents again for its current label: how many
        incident marks were found, or None when another node holds the rebuild."""
        async with self._store.job_lease(f"{NAME}:{workspace_id}", timedelta(0)) as mine:
            if not mine:
                return None
            pending = {r.workspace_id: r for r in await self._store.pending_relabels()}
            relabel = pending.get(workspace_id)
            if relabel is None:
                return 0  # done meanwhile
            labels = {workspace_id: relabel.incident_label}
            await self._store.clear_metric_incidents(workspace_id, LABELLED_INCIDENT_PREFIXES)
            until = await self._store.latest_event_id()
            marks = 0
            for source, kind in LABELLED_KINDS:
                after = 0
                while rows := await self._store.events_of_kind(
                    workspace_id, source, kind, after, until, self._batch
                ):
                    marks += await self._store.keep_metric_facts(rows, labels)
                    after = rows[-1][0].id
                    await asyncio.sleep(0)  # requests go on between batches
            await self._store.finish_relabel(workspace_id, relabel.version)
        log.info(
            "relabel: workspace %s's incidents worked out again for the label %r (%s marks)",
            workspace_id,
            relabel.incident_label,
            marks,
        )
        return marks
