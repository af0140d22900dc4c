"""The live company of `serve --demo`, in the app's own process: a fresh instance is filled
once, then events keep arriving every tick, until the demo data is removed; a restart after
the removal fills nothing again."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from echodash.app import create_app
from echodash.config import Settings
from echodash.demo.runner import DemoRunner
from echodash.store.base import EventFilter, Store

# A full fill in process, then a few ticks of the live company (~15 s).
pytestmark = pytest.mark.slow


async def _count(store: Store, workspace: int) -> int:
    return await store.count_events(workspace, EventFilter(), 100_000)


def test_the_company_lives_on_until_it_is_removed(tmp_path: Path) -> None:
    settings = Settings.from_env({}, data_dir=tmp_path / "data")

    async def main() -> None:
        app = create_app(settings)
        async with app.app.router.lifespan_context(app.app):
            svc = app.state.services
            runner = DemoRunner(svc.store, svc.box, app, svc.workspace_id, tick=0.3)
            task = asyncio.create_task(runner.run())
            await asyncio.wait_for(runner.ready.wait(), 120)
            workspace = await svc.store.get_workspace(svc.workspace_id)
            assert workspace is not None and workspace.name == "Acme (demo)"
            filled = await _count(svc.store, svc.workspace_id)
            assert filled > 12_000
            for _ in range(100):
                await asyncio.sleep(0.2)
                if await _count(svc.store, svc.workspace_id) >= filled + 10:
                    break
            assert await _count(svc.store, svc.workspace_id) >= filled + 10
            await svc.store.remove_demo(svc.workspace_id)
            await asyncio.wait_for(task, 10)  # the trickle ends by itself
            workspace = await svc.store.get_workspace(svc.workspace_id)
            assert workspace is not None and workspace.name == "Default"
            # Started again (a restart of `serve --demo`): nothing comes back.
            again = DemoRunner(svc.store, svc.box, app, svc.workspace_id, tick=0.3)
            await asyncio.wait_for(again.run(), 10)
            assert await svc.store.demo_marks(svc.workspace_id) == {}

    asyncio.run(main())
