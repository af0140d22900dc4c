"""`echodash tokens create`: an API token for scripts, the CLI's remote mode and the REST API."""

from __future__ import annotations

import click

from echodash.cli.context import settings_from, with_store
from echodash.crypto import SecretBox, hash_token, new_api_token
from echodash.store.base import Store


@click.group()
def tokens() -> None:
    """Manage API tokens."""


@tokens.command("create")
@click.option("--name", default="cli", show_default=True, help="A label for the token.")
@click.option("--role", type=click.Choice(["admin", "member"]), default="admin", show_default=True)
@click.pass_context
def create(ctx: click.Context, name: str, role: str) -> None:
    """Create an API token; it is printed once and stored only as a hash."""
    token = new_api_token()

    async def work(store: Store, box: SecretBox, workspace_id: int) -> None:
        await store.create_api_token(workspace_id, name, hash_token(token), role)

    with_store(settings_from(ctx), work)
    click.echo(token)
    click.echo("Keep it now: EchoDash cannot show it again.", err=True)
