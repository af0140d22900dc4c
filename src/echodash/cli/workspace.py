"""`echodash workspace`: show the workspace, rename it, set how long its events are kept."""

from __future__ import annotations

import click

from echodash.cli.context import settings_from, with_store
from echodash.crypto import SecretBox
from echodash.store.base import Store, WorkspaceRecord
from echodash.workspaces import retention_days, workspace_name


def _describe(record: WorkspaceRecord) -> str:
    kept = "forever" if record.retention_days is None else f"for {record.retention_days} days"
    return f"Workspace {record.id} '{record.name}': events and deliveries are kept {kept}."


@click.group()
def workspace() -> None:
    """Show or change the workspace's settings."""


@workspace.command("show")
@click.pass_context
def show(ctx: click.Context) -> None:
    """Show the workspace and its retention period."""

    async def work(store: Store, box: SecretBox, workspace_id: int) -> WorkspaceRecord | None:
        return await store.get_workspace(workspace_id)

    record = with_store(settings_from(ctx), work)
    if record is None:
        raise click.ClickException("the workspace does not exist")
    click.echo(_describe(record))


@workspace.command("retention")
@click.argument("days")
@click.pass_context
def retention(ctx: click.Context, days: str) -> None:
    """Keep events and deliveries DAYS days (at least 7), or `off` to keep everything.

    Older ones are pruned by the retention job (every ECHODASH_RETENTION_INTERVAL seconds).
    """
    try:
        wanted = None if days.lower() in ("off", "forever") else retention_days(int(days))
    except ValueError as exc:
        message = str(exc) if "retention_days" in str(exc) else f"{days!r} is not a number"
        raise click.BadParameter(message.replace("`retention_days`", "DAYS")) from None

    async def work(store: Store, box: SecretBox, workspace_id: int) -> WorkspaceRecord | None:
        return await store.set_retention(workspace_id, wanted)

    record = with_store(settings_from(ctx), work)
    if record is None:
        raise click.ClickException("the workspace does not exist")
    click.echo(_describe(record))


@workspace.command("rename")
@click.argument("name")
@click.pass_context
def rename(ctx: click.Context, name: str) -> None:
    """Give the workspace a new NAME (1 to 80 characters)."""
    try:
        wanted = workspace_name(name)
    except ValueError as exc:
        raise click.BadParameter(str(exc).replace("`name`", "NAME")) from None

    async def work(store: Store, box: SecretBox, workspace_id: int) -> WorkspaceRecord | None:
        return await store.rename_workspace(workspace_id, wanted)

    record = with_store(settings_from(ctx), work)
    if record is None:
        raise click.ClickException("the workspace does not exist")
    click.echo(_describe(record))
