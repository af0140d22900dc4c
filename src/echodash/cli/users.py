"""`echodash users`: the people with accounts, a lost password, the first-admin link."""

from __future__ import annotations

import sys

import click

from echodash.cli.context import receive_base, settings_from, with_open_store
from echodash.crypto import SecretBox
from echodash.passwords import hash_password, password_problem
from echodash.setup_link import setup_url
from echodash.store.base import Store


@click.group()
def users() -> None:
    """Manage the accounts that sign in to the web UI."""


@users.command("list")
@click.pass_context
def list_users(ctx: click.Context) -> None:
    """Every account with its workspaces and roles."""

    async def work(store: Store, box: SecretBox) -> list[str]:
        lines = []
        for workspace in await store.list_workspaces():
            for user, role in await store.members(workspace.id):
                lines.append(f"{user.email}\t{user.name}\t{workspace.name}\t{role}")
        return lines

    lines = with_open_store(settings_from(ctx), work)
    if not lines:
        click.echo("No accounts yet: run `echodash users setup-link` for the first admin's link.")
        return
    click.echo("E-mail\tName\tWorkspace\tRole")
    for line in lines:
        click.echo(line)


@users.command("set-password")
@click.argument("email")
@click.option("--password-stdin", is_flag=True, help="Read the new password from standard input.")
@click.option(
    "--keep-sessions",
    is_flag=True,
    help="Leave the account's browsers signed in (by default every one is signed out).",
)
@click.pass_context
def set_password(ctx: click.Context, email: str, password_stdin: bool, keep_sessions: bool) -> None:
    """Give an account a new password and sign it out everywhere (unless --keep-sessions)."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = click.prompt("New password", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password)
    if problem:
        raise click.UsageError(problem)

    async def work(store: Store, box: SecretBox) -> int | None:
        user = await store.find_user_by_email(email)
        if user is None:
            return None
        await store.set_password_hash(user.id, await hash_password(password))
        # A reset often follows a stolen password: whoever holds a session is signed out.
        return 0 if keep_sessions else await store.delete_user_sessions(user.id)

    ended = with_open_store(settings_from(ctx), work)
    if ended is None:
        raise click.ClickException(f"no account has the e-mail {email}")
    click.echo(f"Password changed for {email}.")
    if not keep_sessions:
        click.echo(f"Signed out everywhere ({ended} session{'s' if ended != 1 else ''} ended).")


@users.command("setup-link")
@click.pass_context
def setup_link(ctx: click.Context) -> None:
    """The one-time link that creates the first admin (while no account exists)."""
    settings = settings_from(ctx)

    async def work(store: Store, box: SecretBox) -> str | None:
        if await store.count_users() > 0:
            return None
        return setup_url(await receive_base(settings, store), box)

    link = with_open_store(settings, work)
    if link is None:
        raise click.ClickException(
            "an account exists already: sign in, or use `echodash users set-password`"
        )
    click.echo(link)
