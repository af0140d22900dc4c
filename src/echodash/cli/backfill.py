"""`echodash backfill github|gitlab|stripe`: history from a tool's API, as if its webhooks had
been there.

Opens the store directly (like the other commands); a run stopped early (exit 1) is resumed by
the next run of the same command, from the cursor kept in the store.
"""

from __future__ import annotations

import os
import socket
import sys

import click
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeRemainingColumn,
)

from echodash.backfill.base import Page, RealClock, parse_since
from echodash.backfill.providers import (
    DEFAULT_DAYS,
    PROVIDERS,
    github_params,
    gitlab_params,
    stripe_params,
)
from echodash.backfill.runner import LEASE, Outcome, run_backfill
from echodash.cli.context import settings_from, with_open_store
from echodash.cli.import_jsonl import find_target
from echodash.crypto import SecretBox
from echodash.events import utcnow
from echodash.store.base import BackfillProgress, Store
from echodash.store.base.backfill import FAILED


@click.group()
def backfill() -> None:
    """Import history from a tool's API (deployments, changes, incidents, subscriptions…)."""


@backfill.command("github")
@click.option("--endpoint", required=True, help="The GitHub endpoint (id or slug) to fill.")
@click.option("--repo", required=True, help="OWNER/NAME of the repository.")
@click.option("--since", default=None, help="How far back: 90d (default) or an ISO date.")
@click.option("--api-url", default=None, help="API root [default https://api.github.com].")
@click.option("--token", default=None, help="A GitHub token [env GITHUB_TOKEN].")
@click.pass_context
def github(
    ctx: click.Context,
    endpoint: str,
    repo: str,
    since: str | None,
    api_url: str | None,
    token: str | None,
) -> None:
    """Deployments, the commits they shipped, merged pull requests, workflow runs, releases
    and issues of REPO, into ENDPOINT's feed and metrics."""
    settings = settings_from(ctx)
    try:
        params = github_params(repo, since, api_url)
        parse_since(params["since"], DEFAULT_DAYS["github"], utcnow())
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    token = token or os.environ.get("GITHUB_TOKEN") or None
    console = Console(stderr=True)
    if token is None:
        console.print("No token (--token or GITHUB_TOKEN): GitHub allows 60 requests an hour.")
    outcome = with_open_store(
        settings, lambda store, box: _run(store, box, endpoint, params, token, console)
    )
    _finish(outcome)


@backfill.command("stripe")
@click.option("--endpoint", required=True, help="The Stripe endpoint (id or slug) to fill.")
@click.option("--since", default=None, help="How far back: 365d (default) or an ISO date.")
@click.option("--api-url", default=None, help="API root [default https://api.stripe.com].")
@click.option("--api-key", default=None, help="A (restricted, read) key [env STRIPE_API_KEY].")
@click.pass_context
def stripe(
    ctx: click.Context,
    endpoint: str,
    since: str | None,
    api_url: str | None,
    api_key: str | None,
) -> None:
    """Customers and subscriptions with their invoices, rebuilt into the subscription events
    Stripe would have sent, and the events of the last 30 days, into ENDPOINT's feed and
    revenue metrics."""
    settings = settings_from(ctx)
    try:
        params = stripe_params(since, api_url)
        parse_since(params["since"], DEFAULT_DAYS["stripe"], utcnow())
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    key = api_key or os.environ.get("STRIPE_API_KEY") or None
    if key is None:
        raise click.UsageError("a Stripe API key is needed (--api-key or STRIPE_API_KEY)")
    console = Console(stderr=True)
    outcome = with_open_store(
        settings,
        lambda store, box: _run(store, box, endpoint, params, key, console, "stripe"),
    )
    _finish(outcome)


@backfill.command("gitlab")
@click.option("--endpoint", required=True, help="The GitLab endpoint (id or slug) to fill.")
@click.option("--project", required=True, help="GROUP/NAME of the project.")
@click.option("--since", default=None, help="How far back: 90d (default) or an ISO date.")
@click.option("--api-url", default=None, help="API root [default https://gitlab.com/api/v4].")
@click.option("--token", default=None, help="A token with read_api [env GITLAB_TOKEN].")
@click.pass_context
def gitlab(
    ctx: click.Context,
    endpoint: str,
    project: str,
    since: str | None,
    api_url: str | None,
    token: str | None,
) -> None:
    """Deployments, the commits they shipped, merged merge requests, pipelines and issues of
    PROJECT, into ENDPOINT's feed and metrics (GitLab.com, or a self-managed GitLab's
    --api-url)."""
    settings = settings_from(ctx)
    try:
        params = gitlab_params(project, since, api_url)
        parse_since(params["since"], DEFAULT_DAYS["gitlab"], utcnow())
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None
    token = token or os.environ.get("GITLAB_TOKEN") or None
    console = Console(stderr=True)
    if token is None:
        console.print("No token (--token or GITLAB_TOKEN): only a public project can be read.")
    outcome = with_open_store(
        settings,
        lambda store, box: _run(store, box, endpoint, params, token, console, "gitlab"),
    )
    _finish(outcome)


def _finish(outcome: Outcome) -> None:
    p = outcome.progress
    counts = f"{p.items:,} items, {p.events_added:,} events added, {p.duplicates:,} already there"
    if outcome.done:
        click.echo(f"Backfill {outcome.run.id} done: {counts}.")
        return
    click.echo(f"Backfill {outcome.run.id} stopped early ({counts}): {outcome.error}", err=True)
    click.echo("Run the same command again to resume where it stopped.", err=True)
    sys.exit(1)


def _abandoned(node: str) -> bool:
    """Whether `node` is a run of this command on this machine whose process is gone."""
    prefix = f"cli-{socket.gethostname()}-"
    pid = node.removeprefix(prefix)
    if not node.startswith(prefix) or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


async def _run(
    store: Store,
    box: SecretBox,
    endpoint_arg: str,
    params: dict[str, object],
    token: str | None,
    console: Console,
    kind: str = "github",
) -> Outcome:
    target = await find_target(store, box, None, endpoint_arg)
    endpoint = target.endpoint
    assert endpoint is not None
    if endpoint.kind != kind:
        raise click.UsageError(f"endpoint {endpoint_arg} is a {endpoint.kind} endpoint")
    node = f"cli-{socket.gethostname()}-{os.getpid()}"
    run = await store.resumable_backfill(target.workspace_id, endpoint.id, kind, params)
    if run is None:
        run = await store.create_backfill(
            target.workspace_id, endpoint.id, kind, dict(params), None, False
        )
    elif run.items:
        console.print(f"Resuming backfill {run.id} ({run.items:,} items read before).")
    claimed = await store.claim_backfill(node, LEASE, run.id)
    if claimed is None and run.node is not None and _abandoned(run.node):
        # A run of this command on this machine died (killed, the machine slept): no need
        # to wait for its lease to run out.
        await store.finish_backfill(run.id, run.node, FAILED, "interrupted")
        claimed = await store.claim_backfill(node, LEASE, run.id)
    if claimed is None:
        raise click.ClickException(f"backfill {run.id} is running elsewhere right now")
    settings = await store.get_metric_settings(target.workspace_id)
    reading = PROVIDERS[kind](claimed, token, RealClock(), settings)
    columns = (
        SpinnerColumn(),
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("pages"),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=console, transient=False) as bar:
            task = bar.add_task("starting", total=None)
            stage = {"name": ""}

            def report(progress: BackfillProgress, page: Page) -> None:
                if page.stage != stage["name"]:
                    stage["name"] = page.stage
                    bar.reset(task, total=page.pages)
                bar.update(
                    task,
                    advance=1,
                    total=page.pages,
                    description=(
                        f"{page.stage}: {progress.items:,} items, "
                        f"{progress.events_added:,} added, {progress.duplicates:,} already there"
                    ),
                )

            return await run_backfill(store, claimed, reading.reader, node, report)
    finally:
        await reading.client.close()
