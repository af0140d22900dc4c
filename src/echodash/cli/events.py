"""`echodash events list|tail`: the feed in a terminal."""

from __future__ import annotations

import asyncio
import sys
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

import click
import httpx
import orjson

from echodash import event_query
from echodash.cli.context import settings_from, with_store
from echodash.cli.render import event_line
from echodash.crypto import SecretBox
from echodash.events import Category, Origin, Outcome, Severity
from echodash.store.base import EventFilter, Store


@click.group()
def events() -> None:
    """Read the event feed."""


def _filter_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    fn = click.option("--q", default=None, help="Full-text search.")(fn)
    fn = click.option(
        "--severity",
        type=click.Choice([s.value for s in Severity]),
        default=None,
        help="Only this severity.",
    )(fn)
    fn = click.option(
        "--severity-min",
        type=click.Choice([s.value for s in Severity]),
        default=None,
        help="This severity or worse (info, success < warning < error < critical).",
    )(fn)
    fn = click.option("--type", default=None, help="Only this event type (e.g. push).")(fn)
    return click.option("--source", default=None, help="Only this source kind (github, …).")(fn)


def _vocabulary_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """The shared vocabulary (docs/events.md): --category, --service, --environment,
    --outcome and --origin."""
    for name, words, what in reversed(_VOCABULARY):
        kind = click.Choice(words) if words else None
        fn = click.option(f"--{name}", name, type=kind, default=None, help=what)(fn)
    return fn


_VOCABULARY: tuple[tuple[str, list[str] | None, str], ...] = (
    ("category", [c.value for c in Category], "Only this category (deployment, change, …)."),
    ("service", None, "Only this service, e.g. github:acme/web."),
    ("environment", None, "Only this environment, e.g. production."),
    ("outcome", [o.value for o in Outcome], "Only this outcome."),
    ("origin", [o.value for o in Origin], "Only events that arrived this way."),
)


def _with_vocabulary(
    filters: EventFilter,
    category: str | None,
    service: str | None,
    environment: str | None,
    outcome: str | None,
    origin: str | None,
) -> EventFilter:
    return replace(
        filters,
        category=category or None,
        service=service or None,
        environment=environment or None,
        outcome=outcome or None,
        origin=origin or None,
    )


def _filters(
    source: str | None,
    type_: str | None,
    severity: str | None,
    severity_min: str | None,
    q: str | None,
) -> EventFilter:
    if severity and severity_min:
        raise click.UsageError("give --severity (exactly) or --severity-min, not both")
    if severity_min:
        severity = event_query.or_worse(severity_min)
    return EventFilter(source=source, type=type_, severity=severity, q=q)


def _print(event: dict[str, Any], as_json: bool) -> None:
    if as_json:
        click.echo(orjson.dumps(event))
    else:
        click.echo(event_line(event, color=sys.stdout.isatty()))


@events.command("list")
@_filter_options
@_vocabulary_options
@click.option("--limit", type=click.IntRange(1, 500), default=20, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.pass_context
def list_(
    ctx: click.Context,
    source: str | None,
    type: str | None,
    severity: str | None,
    severity_min: str | None,
    q: str | None,
    limit: int,
    as_json: bool,
    category: str | None,
    service: str | None,
    environment: str | None,
    outcome: str | None,
    origin: str | None,
) -> None:
    """The newest events, newest last (as a terminal reads)."""
    filters = _with_vocabulary(
        _filters(source, type, severity, severity_min, q),
        category=category,
        service=service,
        environment=environment,
        outcome=outcome,
        origin=origin,
    )

    async def work(store: Store, box: SecretBox, workspace_id: int) -> list[dict[str, Any]]:
        found = await event_query.list_events(store, workspace_id, filters, limit)
        return [e.to_json() for e in found]

    found = with_store(settings_from(ctx), work)
    if not found and not as_json:
        click.echo("No events yet.", err=True)
    for event in reversed(found):
        _print(event, as_json)


@events.command("tail")
@_filter_options
@_vocabulary_options
@click.option("--url", default=None, help="Follow a remote EchoDash server over its live stream.")
@click.option(
    "--token",
    envvar="ECHODASH_TOKEN",
    show_envvar=True,
    default=None,
    help="API token for --url.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON lines.")
@click.option("--interval", type=float, default=0.25, hidden=True)
@click.pass_context
def tail(
    ctx: click.Context,
    source: str | None,
    type: str | None,
    severity: str | None,
    severity_min: str | None,
    q: str | None,
    url: str | None,
    token: str | None,
    as_json: bool,
    interval: float,
    category: str | None,
    service: str | None,
    environment: str | None,
    outcome: str | None,
    origin: str | None,
) -> None:
    """Follow new events as they arrive (Ctrl-C to stop)."""
    filters = _with_vocabulary(
        _filters(source, type, severity, severity_min, q),
        category=category,
        service=service,
        environment=environment,
        outcome=outcome,
        origin=origin,
    )
    try:
        if url:
            _tail_remote(url, token, filters, as_json)
        else:
            _tail_local(ctx, filters, as_json, interval)
    except KeyboardInterrupt:
        pass


def _tail_local(ctx: click.Context, filters: EventFilter, as_json: bool, interval: float) -> None:
    """Follow the local database directly: works whether or not this shell started the server."""

    async def work(store: Store, box: SecretBox, workspace_id: int) -> None:
        last = await store.latest_event_id()
        click.echo("Waiting for events… (Ctrl-C to stop)", err=True)
        while True:
            batch = await event_query.events_after(store, workspace_id, filters, last, 500)
            for event in batch:
                _print(event.to_json(), as_json)
                last = event.id
            if not batch:
                await asyncio.sleep(interval)

    with_store(settings_from(ctx), work)


def _tail_remote(url: str, token: str | None, filters: EventFilter, as_json: bool) -> None:
    """Follow a server's SSE stream, reconnecting with Last-Event-ID after any break."""
    if not token:
        raise click.UsageError("--url needs an API token: --token or ECHODASH_TOKEN")
    severity = filters.severity or ""
    params = {
        k: v
        for k, v in {
            "source": filters.source,
            "type": filters.type,
            "severity": "" if severity.endswith(event_query.OR_WORSE) else severity,
            "severity_min": severity.removesuffix(event_query.OR_WORSE)
            if severity.endswith(event_query.OR_WORSE)
            else "",
            "q": filters.q,
            **{name: getattr(filters, name) for name, _, _ in _VOCABULARY},
        }.items()
        if v
    }
    last_id: str | None = None
    headers = {"Authorization": f"Bearer {token}", "Accept": "text/event-stream"}
    click.echo(f"Following {url} … (Ctrl-C to stop)", err=True)
    while True:
        if last_id:
            headers["Last-Event-ID"] = last_id
        try:
            with httpx.stream(
                "GET",
                url.rstrip("/") + "/api/v1/stream",
                params=params,
                headers=headers,
                timeout=httpx.Timeout(10.0, read=60.0),
            ) as response:
                if response.status_code == 401:
                    raise click.ClickException("the server refused the API token")
                response.raise_for_status()
                data: list[str] = []
                kind = "message"
                for line in response.iter_lines():
                    if line.startswith("id:"):
                        last_id = line[3:].strip()
                    elif line.startswith("event:"):
                        kind = line[6:].strip()
                    elif line.startswith("data:"):
                        data.append(line[5:].strip())
                    elif line == "":
                        if data and kind != "resync":
                            _print(orjson.loads("\n".join(data)), as_json)
                        data, kind = [], "message"
            # The server ended the stream (this client fell behind and was told to
            # `resync`, or it is stopping): go on from the last id, from its database.
        except (httpx.TransportError, httpx.HTTPStatusError) as exc:
            click.echo(f"connection lost ({exc}); reconnecting…", err=True)
            time.sleep(1.0)
