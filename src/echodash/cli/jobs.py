"""`echodash jobs`: when background jobs last ran, on which node, and what they did."""

from __future__ import annotations

import click

from echodash.cli.context import settings_from, with_open_store
from echodash.crypto import SecretBox
from echodash.digest.job import DigestJob
from echodash.events import iso
from echodash.jobs.retention import RetentionJob
from echodash.store.base import JobRun, Store

JOB_NAMES = (RetentionJob.name, DigestJob.name)


@click.command()
@click.option("--limit", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.pass_context
def jobs(ctx: click.Context, limit: int) -> None:
    """Show the latest runs of each background job (whichever node ran them)."""

    async def work(store: Store, box: SecretBox) -> dict[str, list[JobRun]]:
        return {name: await store.job_runs(name, limit) for name in JOB_NAMES}

    found = with_open_store(settings_from(ctx), work)
    for name, runs in found.items():
        if not runs:
            click.echo(f"{name}: has not run yet")
            continue
        click.echo(f"{name}:")
        for run in runs:
            took = (run.finished_at - run.started_at).total_seconds()
            click.echo(f"  {iso(run.started_at)}  {took:6.2f} s  {run.node}  {run.detail}")
