"""`echodash` and its `serve` command."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from echodash import __version__
from echodash.cli.alerts import alerts
from echodash.cli.backfill import backfill
from echodash.cli.context import data_dir_option, settings_from, with_open_store
from echodash.cli.demo import demo
from echodash.cli.endpoints import endpoints
from echodash.cli.events import events
from echodash.cli.jobs import jobs
from echodash.cli.metrics import metrics
from echodash.cli.portable import export, import_
from echodash.cli.rules import rules
from echodash.cli.tokens import tokens
from echodash.cli.users import users
from echodash.cli.workspace import workspace
from echodash.crypto import SecretBox
from echodash.store.base import Store


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="echodash")
@data_dir_option
@click.pass_context
def cli(ctx: click.Context, data_dir: Path | None, database: str | None) -> None:
    """EchoDash: every tool's webhooks in one verified, searchable live feed."""
    ctx.obj = {k: v for k, v in {"data_dir": data_dir, "database": database}.items() if v}


@cli.command()
@click.option("--host", default=None, help="Address to listen on [env ECHODASH_HOST]")
@click.option("--port", type=int, default=None, help="Port [env ECHODASH_PORT, default 8000]")
@click.option(
    "--workers",
    type=int,
    default=None,
    help="Worker processes on one port, PostgreSQL only [env ECHODASH_WORKERS, default 1]",
)
@click.option(
    "--demo",
    "with_demo",
    is_flag=True,
    default=None,
    help="Serve the demo company: fill the first workspace on a fresh instance, then keep "
    "it alive [env ECHODASH_DEMO]",
)
@data_dir_option
@click.pass_context
def serve(
    ctx: click.Context,
    host: str | None,
    port: int | None,
    workers: int | None,
    with_demo: bool | None,
    data_dir: Path | None,
    database: str | None,
) -> None:
    """Run the EchoDash server."""
    import functools

    import uvicorn

    from echodash.app import create_app
    from echodash.cli import server
    from echodash.cli.open_files import raise_open_file_limit
    from echodash.logs import configure
    from echodash.web.http_protocol import KEEP_ALIVE_SECONDS, BoundedHttpProtocol

    settings = settings_from(
        ctx,
        host=host,
        port=port,
        workers=workers,
        data_dir=data_dir,
        database=database,
        demo=with_demo,
    )
    if settings.demo and settings.workers > 1:
        raise click.UsageError("--demo runs in one process: leave out --workers")
    configure(settings.log_level, settings.log_format)
    click.echo(
        f"EchoDash {__version__} on {settings.base_url}  (data: {settings.database_display})"
    )
    # Open the store once before serving: a database that cannot be reached or migrated is
    # one clear line and exit status 1, not a start-up traceback.
    with_open_store(settings, _nothing)
    raise_open_file_limit()
    # httptools under bounds on headers and idle connections (web/http_protocol.py).
    http = functools.partial(BoundedHttpProtocol, header_timeout=settings.header_timeout)
    options: dict[str, Any] = {"loop": "uvloop", "http": http}
    options.update(
        host=settings.host,
        port=settings.port,
        log_level="warning",
        access_log=False,
        timeout_graceful_shutdown=5,
        timeout_keep_alive=KEEP_ALIVE_SECONDS,
        # The client's address (sign-in limits count per address) is taken from
        # X-Forwarded-For only on connections from the configured proxies, else never.
        proxy_headers=bool(settings.forwarded_allow_ips),
        forwarded_allow_ips=settings.forwarded_allow_ips or None,
        # EchoDash need not advertise itself.
        server_header=False,
    )
    if settings.workers > 1:
        # Each worker process builds its app from the environment: hand it these settings.
        os.environ.update(settings.to_env())
        click.echo(f"{settings.workers} worker processes")
        uvicorn.run("echodash.app:app_from_env", factory=True, workers=settings.workers,
                    **options)  # fmt: skip
    else:
        server.run(create_app(settings), **options)


async def _nothing(store: Store, box: SecretBox) -> None:
    return None


cli.add_command(demo)
cli.add_command(endpoints)
cli.add_command(backfill)
cli.add_command(events)
cli.add_command(tokens)
cli.add_command(users)
cli.add_command(workspace)
cli.add_command(jobs)
cli.add_command(rules)
cli.add_command(alerts)
cli.add_command(metrics)
cli.add_command(export)
cli.add_command(import_)


def main() -> None:
    cli(prog_name="echodash")
