"""`serve --demo`: fill the first workspace on a fresh instance, then keep the demo company
alive — a tick every TICK_SECONDS with a few events, and every ten minutes or so a bad deploy
whose errors fire an alert. Stops when the demo data is removed."""

from __future__ import annotations

import asyncio
import logging

from starlette.types import ASGIApp

from echodash.crypto import SecretBox
from echodash.demo.company import DEFAULT_SEED, Live
from echodash.demo.fill import DemoError, DemoSender, attach, client_for, is_loaded, load_demo
from echodash.events import utcnow
from echodash.store.base import Store

log = logging.getLogger("echodash.demo")

TICK_SECONDS = 20.0
# Set once `serve --demo` filled the instance: after "Remove demo data" a restart stays empty.
FILLED_META = "demo_filled"


class DemoRunner:
    def __init__(
        self,
        store: Store,
        box: SecretBox,
        app: ASGIApp,
        workspace_id: int,
        seed: int = DEFAULT_SEED,
        tick: float = TICK_SECONDS,
    ) -> None:
        self.store = store
        self.box = box
        self.app = app
        self.workspace_id = workspace_id
        self.seed = seed
        self.tick = tick
        # Set when the first fill is done (or there was nothing to fill).
        self.ready = asyncio.Event()

    async def run(self) -> None:
        try:
            started = await self._start()
        except Exception:
            log.exception("the demo company could not start")
            return
        finally:
            self.ready.set()
        if started is not None:
            await self._trickle(*started)

    async def _start(self) -> tuple[DemoSender, Live] | None:
        if await is_loaded(self.store, self.workspace_id):
            return await attach(self.store, self.box, self.workspace_id), Live(self.seed, utcnow())
        if await self.store.get_meta(FILLED_META) is not None:
            log.info("the demo data was removed: not filled again")
            return None
        report, sender, live = await load_demo(
            self.store, self.box, self.app, self.workspace_id, seed=self.seed, rename=True
        )
        await self.store.set_meta(FILLED_META, utcnow().isoformat())
        log.info(
            "demo company loaded: %s deliveries and %s custom events in %.1f s",
            report.deliveries,
            report.custom_events,
            report.seconds,
        )
        return sender, live

    async def _trickle(self, sender: DemoSender, live: Live) -> None:
        async with client_for(self.app) as client:
            while True:
                await asyncio.sleep(self.tick)
                try:
                    if not await is_loaded(self.store, self.workspace_id):
                        log.info("the demo data was removed: the demo company stops")
                        return
                    await sender.send(client, live.step(utcnow()))
                except (DemoError, OSError) as exc:
                    log.warning("the demo company skipped a beat: %s", exc)
                except Exception:
                    log.exception("the demo company skipped a beat")
