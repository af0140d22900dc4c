"""`echodash demo`: fill a workspace with the demo company, or remove it (docs/demo.md)."""

from __future__ import annotations

import asyncio
from pathlib import Path

import click

from echodash.cli.context import data_dir_option, settings_from, with_open_store
from echodash.config import Settings
from echodash.crypto import SecretBox
from echodash.demo.company import DEFAULT_SEED
from echodash.demo.fill import DemoError, FillReport, load_demo
from echodash.store.base import DemoRemoval, Store


@click.command()
@click.option("--workspace", "workspace_id", type=int, default=None,
              help="Workspace id [default: the first workspace]")  # fmt: skip
@click.option("--remove", is_flag=True, help="Delete the demo's data instead, and only it.")
@click.option("--seed", type=int, default=DEFAULT_SEED, show_default=True,
              help="Another seed gives another (equally reproducible) company.")  # fmt: skip
@data_dir_option
@click.pass_context
def demo(
    ctx: click.Context,
    workspace_id: int | None,
    remove: bool,
    seed: int,
    data_dir: Path | None,
    database: str | None,
) -> None:
    """Fill a workspace with 90 days of a made-up company's events, metrics and alerts."""
    settings = settings_from(ctx, data_dir=data_dir, database=database)

    async def chosen(store: Store) -> int:
        if workspace_id is None:
            return await store.ensure_default_workspace()
        if await store.get_workspace(workspace_id) is None:
            raise click.ClickException(f"no workspace has the id {workspace_id}")
        return workspace_id

    if remove:

        async def drop(store: Store, box: SecretBox) -> DemoRemoval:
            workspace = await chosen(store)
            if not await store.demo_marks(workspace):
                raise click.ClickException("this workspace has no demo data")
            return await store.remove_demo(workspace)

        removed = with_open_store(settings, drop)
        click.echo(
            f"removed the demo data: {removed.events:,} events, {removed.endpoints} endpoints, "
            f"{removed.rules} rules, {removed.alerts} alerts, {removed.facts:,} metric facts"
        )
        return

    async def workspace_of_choice(store: Store, box: SecretBox) -> int:
        return await chosen(store)

    target = with_open_store(settings, workspace_of_choice)
    report = asyncio.run(_fill(settings, target, seed))
    click.echo(
        f"loaded the demo company into workspace {target}: {report.deliveries:,} webhook "
        f"deliveries and {report.custom_events:,} custom events in {report.seconds:.1f} s"
    )


async def _fill(settings: Settings, workspace_id: int, seed: int) -> FillReport:
    """The app runs here for the fill: every delivery goes through its receive path."""
    from echodash.app import create_app

    app = create_app(settings)
    async with app.app.router.lifespan_context(app.app):
        svc = app.state.services
        try:
            report, _, _ = await load_demo(svc.store, svc.box, app, workspace_id, seed=seed)
        except DemoError as exc:
            raise click.ClickException(str(exc)) from None
    return report
