"""`echodash export` / `echodash import`: move one workspace between stores.

The file format is in `portable_format`. Import reads the header line first: its `format`
decides which importer reads the rest, so other formats can join `IMPORTERS`.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import IO, TypeVar

import click
import orjson

from echodash.cli.context import settings_from, with_open_store
from echodash.cli.import_jsonl import import_jsonl, is_export
from echodash.cli.portable_fields import Fields, InvalidLine, read_lines
from echodash.cli.portable_format import (
    FORMAT,
    VERSION,
    PlainSecret,
    delivery_doc,
    endpoint_doc,
    event_doc,
    json_line,
    parse_delivery,
    parse_end,
    parse_endpoint,
    parse_event,
    parse_header,
    text_time,
)
from echodash.config import Settings
from echodash.crypto import SecretBox
from echodash.events import Event, utcnow
from echodash.store.base import (
    EndpointRecord,
    EventFilter,
    SecretRecord,
    Store,
    StoredDelivery,
    StoreUnavailableError,
)
from echodash.workspaces import workspace_name as check_workspace_name

T = TypeVar("T")

EVENT_PAGE = 1000
# Bodies may be up to ECHODASH_MAX_BODY_BYTES each: keep pages of deliveries modest.
DELIVERY_PAGE = 250
IMPORT_BATCH = 1000
BATCH_BODY_BYTES = 16 * 1024 * 1024  # a batch of deliveries holds at most about this much


# Shared plumbing


@dataclass(slots=True)
class Counts:
    endpoints: int = 0
    deliveries: int = 0
    events: int = 0

    def as_dict(self) -> dict[str, int]:
        return {"endpoints": self.endpoints, "deliveries": self.deliveries, "events": self.events}

    def __str__(self) -> str:
        return ", ".join(_plural(n, what) for what, n in self.as_dict().items())


_ONE = {"endpoints": "endpoint", "deliveries": "delivery", "events": "event"}


def _plural(n: int, what: str) -> str:
    return f"{n:,} {what if n != 1 else _ONE[what]}"


class _Progress:
    """A one-line counter on standard error, only when a person watches it."""

    def __init__(self, verb: str) -> None:
        self._verb = verb
        self._enabled = sys.stderr.isatty()
        self._shown = 0.0

    def update(self, counts: Counts) -> None:
        now = time.monotonic()
        if self._enabled and now - self._shown >= 0.1:
            self._shown = now
            click.echo(f"\r{self._verb}… {counts}", err=True, nl=False)

    def done(self) -> None:
        if self._enabled and self._shown:
            click.echo("\r\x1b[K", err=True, nl=False)


# Export


@contextlib.contextmanager
def _output(file: str) -> Iterator[IO[bytes]]:
    """Standard output, or FILE written aside (mode 0600) and moved into place when complete."""
    if file == "-":
        stdout = sys.stdout.buffer
        yield stdout
        stdout.flush()
        return
    path = Path(file)
    try:
        # mkstemp creates the file 0600: it holds webhook secrets in plain text.
        fd, partial = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as exc:
        raise click.ClickException(f"cannot write {file}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(partial, path)
    except BaseException:
        Path(partial).unlink(missing_ok=True)
        raise


async def _export(
    store: Store, box: SecretBox, workspace_id: int | None, out: IO[bytes]
) -> tuple[str, Counts]:
    if workspace_id is None:
        workspace_id = await store.ensure_default_workspace()
    workspace = await store.get_workspace(workspace_id)
    if workspace is None:
        known = ", ".join(f"{w.id} ({w.name})" for w in await store.list_workspaces())
        raise click.ClickException(f"no workspace with id {workspace_id}; there are: {known}")
    counts, progress = Counts(), _Progress("Exporting")
    header = {
        "type": "header",
        "format": FORMAT,
        "version": VERSION,
        "exported_at": text_time(utcnow()),
        "workspace": {"name": workspace.name, "retention_days": workspace.retention_days},
    }
    out.write(json_line(header))
    for record in await store.list_endpoints(workspace_id):
        out.write(json_line(endpoint_doc(record, box)))
        counts.endpoints += 1
    after = 0
    while page := await store.export_deliveries(workspace_id, after, DELIVERY_PAGE):
        out.write(b"".join(json_line(delivery_doc(d, processed)) for d, processed in page))
        counts.deliveries += len(page)
        after = page[-1][0].id
        progress.update(counts)
    after = 0
    while events := await store.events_after(workspace_id, EventFilter(), after, EVENT_PAGE):
        out.write(b"".join(json_line(event_doc(e)) for e in events))
        counts.events += len(events)
        after = events[-1].id
        progress.update(counts)
    out.write(json_line({"type": "end", "counts": counts.as_dict()}))
    progress.done()
    return workspace.name, counts


@click.command("export")
@click.option(
    "--workspace",
    "workspace_id",
    type=int,
    default=None,
    help="The workspace's id (default: the first workspace).",
)
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.pass_context
def export(ctx: click.Context, workspace_id: int | None, file: str) -> None:
    """Write one workspace (endpoints with their secrets, deliveries, events) to FILE.

    FILE is JSON Lines, created with mode 0600: it holds the webhook secrets in plain text.
    `-` writes to standard output.
    """
    settings = settings_from(ctx)
    with _output(file) as out:
        name, counts = with_open_store(
            settings, lambda store, box: _export(store, box, workspace_id, out)
        )
    where = "standard output" if file == "-" else file
    click.echo(f"Exported workspace {name!r}: {counts} to {where}", err=file == "-")


# Import: the echodash-export format


_ORDER = ("endpoint", "delivery", "event", "end")
_COUNTED = {"endpoint": "endpoints", "delivery": "deliveries", "event": "events"}


@dataclass(slots=True)
class _Plan:
    """What a checked file holds, learnt before anything is written."""

    name: str
    retention_days: int | None
    slugs: set[str]
    # Delivery ids that events point at: those deliveries were turned into events already,
    # even if the export caught them just before (the server keeps running during an export).
    linked: set[int]


def _check(handle: IO[bytes], header: Fields, max_body: int) -> _Plan:
    """Read the whole file once and refuse it, naming the line, unless every line is right."""
    plan = _Plan(*parse_header(header), set(), set())
    seen: dict[str, set[int]] = {kind: set() for kind in _ORDER}
    kinds: dict[int, str] = {}  # each endpoint's kind, by its exported id
    stage, end = 0, None
    lines = read_lines(handle)
    next(lines)  # the header
    for number, document in lines:
        kind = document.get("type")
        if end is not None:
            raise InvalidLine(number, "a line after the `end` line")
        if kind not in _ORDER:
            raise InvalidLine(number, f"unknown line type {str(kind)[:40]!r}")
        if _ORDER.index(kind) < stage:
            raise InvalidLine(
                number,
                f"{kind} after {_ORDER[stage]} lines (the order is header, endpoints, "
                "deliveries, events, end)",
            )
        stage = _ORDER.index(kind)
        f = Fields(number, document)
        if kind == "end":
            end = parse_end(f)
            found = {plural: len(seen[kind]) for kind, plural in _COUNTED.items()}
            if end != found:
                raise InvalidLine(
                    number,
                    f"the `end` line counts {orjson.dumps(end).decode()[:200]} but the file "
                    f"holds {orjson.dumps(found).decode()}: it is incomplete or was edited",
                )
            continue
        item_id = f.ident("id")
        if item_id in seen[kind]:
            raise InvalidLine(number, f"a second {kind} with id {item_id}")
        seen[kind].add(item_id)
        if kind == "endpoint":
            record, _ = parse_endpoint(f)
            if record.slug in plan.slugs:
                raise InvalidLine(number, f"a second endpoint with slug {record.slug!r}")
            plan.slugs.add(record.slug)
            kinds[record.id] = record.kind
        elif kind == "delivery":
            delivery, _ = parse_delivery(f, max_body)
            _same_source(f, delivery.source, kinds.get(delivery.endpoint_id))
        else:
            event = parse_event(f)
            _same_source(f, event.source, kinds.get(event.endpoint_id or 0))
            if event.delivery_id is not None:
                plan.linked.add(event.delivery_id)
    if end is None:
        raise InvalidLine(
            None, "the file ends without its `end` line: it is incomplete (was the export cut off?)"
        )
    return plan


def _same_source(f: Fields, source: str, endpoint_kind: str | None) -> None:
    """A delivery or event of an endpoint in the file comes from that endpoint's kind: it is
    parsed (and filtered on) by that name."""
    if endpoint_kind is not None and source != endpoint_kind:
        raise f.refuse(
            f"`source` {source[:40]!r} is not the kind of its endpoint ({endpoint_kind!r})"
        )


class _Restorer:
    """Writes checked lines into a new workspace, in batches, mapping the exported ids."""

    def __init__(
        self, store: Store, box: SecretBox, workspace_id: int, plan: _Plan, max_body: int
    ) -> None:
        self._store, self._box, self.workspace_id, self._plan = store, box, workspace_id, plan
        self._max_body = max_body
        self.counts, self.skipped = Counts(), 0
        self._endpoints: dict[int, int] = {}
        self._deliveries: dict[int, int] = {}
        self._pending: list[tuple[StoredDelivery, bool]] = []
        self._pending_bytes = 0
        self._events: list[Event] = []

    async def line(self, f: Fields) -> None:
        kind = f.what  # the line's `type`, checked already
        if kind == "endpoint":
            await self._add_endpoint(*parse_endpoint(f))
        elif kind == "delivery":
            await self._add_delivery(*parse_delivery(f, self._max_body))
        elif kind == "event":
            await self._add_event(parse_event(f))

    async def _add_endpoint(self, record: EndpointRecord, secrets: tuple[PlainSecret, ...]) -> None:
        sealed = tuple(
            SecretRecord(0, self._box.seal(s.secret), s.created_at, s.expires_at) for s in secrets
        )
        stored = await self._store.restore_endpoint(
            self.workspace_id, replace(record, workspace_id=self.workspace_id, secrets=sealed)
        )
        self._endpoints[record.id] = stored.id
        self.counts.endpoints += 1

    async def _add_delivery(self, delivery: StoredDelivery, processed: bool) -> None:
        endpoint_id = self._endpoints.get(delivery.endpoint_id)
        if endpoint_id is None:
            self.skipped += 1  # its endpoint was deleted before the export
            return
        moved = replace(delivery, endpoint_id=endpoint_id, workspace_id=self.workspace_id)
        self._pending.append((moved, processed or delivery.id in self._plan.linked))
        self._pending_bytes += len(delivery.body)
        if len(self._pending) >= IMPORT_BATCH or self._pending_bytes >= BATCH_BODY_BYTES:
            await self._flush_deliveries()

    async def _add_event(self, event: Event) -> None:
        await self._flush_deliveries()  # events need every delivery's new id
        self._events.append(
            replace(
                event,
                workspace_id=self.workspace_id,
                endpoint_id=self._endpoints.get(event.endpoint_id or 0),
                delivery_id=self._deliveries.get(event.delivery_id or 0),
            )
        )
        if len(self._events) >= IMPORT_BATCH:
            await self._flush_events()

    async def _flush_deliveries(self) -> None:
        if self._pending:
            self._deliveries.update(
                await self._store.restore_deliveries(self.workspace_id, self._pending)
            )
            self.counts.deliveries += len(self._pending)
            self._pending, self._pending_bytes = [], 0

    async def _flush_events(self) -> None:
        if self._events:
            self.counts.events += await self._store.restore_events(self.workspace_id, self._events)
            self._events = []

    async def finish(self) -> None:
        await self._flush_deliveries()
        await self._flush_events()


async def _restore(
    store: Store, box: SecretBox, handle: IO[bytes], plan: _Plan, name: str, max_body: int
) -> _Restorer:
    for slug in sorted(plan.slugs):
        if await store.get_endpoint_by_slug(slug) is not None:
            raise click.ClickException(
                f"an endpoint with receive URL /in/{slug} already exists here (was this file "
                "imported before?); receive URLs must stay unique, so nothing was imported"
            )
    workspace_id = await store.create_workspace(name)
    restorer = _Restorer(store, box, workspace_id, plan, max_body)
    progress = _Progress("Importing")
    try:
        await store.set_retention(workspace_id, plan.retention_days)
        lines = read_lines(handle)
        next(lines)  # the header
        for number, document in lines:
            await restorer.line(Fields(number, document))
            progress.update(restorer.counts)
        await restorer.finish()
    except (InvalidLine, ValueError, StoreUnavailableError) as exc:
        raise click.ClickException(
            f"import stopped: {exc}. Workspace {workspace_id} ({name!r}) was created and holds "
            f"what was imported so far ({restorer.counts})"
        ) from None
    finally:
        progress.done()
    return restorer


def _import_echodash_export(
    settings: Settings, handle: IO[bytes], header: Fields, workspace_name: str | None
) -> str:
    try:
        name = None if workspace_name is None else check_workspace_name(workspace_name)
    except ValueError as exc:
        raise click.UsageError(f"--workspace-name: {str(exc).removeprefix('`name` ')}") from None
    max_body = settings.max_body_bytes
    plan = _check(handle, header, max_body)
    name = name or plan.name
    done = with_open_store(
        settings, lambda store, box: _restore(store, box, handle, plan, name, max_body)
    )
    summary = f"Imported workspace {name!r} (id {done.workspace_id}): {done.counts}"
    if done.skipped:
        summary += f"; skipped {_plural(done.skipped, 'deliveries')} of deleted endpoints"
    return summary


# Import: which format the header names decides who reads the file

Importer = Callable[[Settings, IO[bytes], Fields, str | None], str]
IMPORTERS: dict[str, Importer] = {FORMAT: _import_echodash_export}


def _header(handle: IO[bytes]) -> tuple[str, Fields]:
    example = '{"type":"header","format":"echodash-export",…}'
    try:
        number, document = next(read_lines(handle), (1, {}))
    except InvalidLine as exc:
        raise InvalidLine(1, f"not a header such as {example} ({exc})") from None
    fmt = document.get("format")
    if number != 1 or document.get("type") != "header" or not isinstance(fmt, str):
        raise InvalidLine(1, f"not a header such as {example}")
    if fmt not in IMPORTERS:
        raise InvalidLine(
            1, f"unknown format {fmt!r}; this EchoDash imports: {', '.join(sorted(IMPORTERS))}"
        )
    return fmt, Fields(number, document)


@contextlib.contextmanager
def _input(file: str) -> Iterator[IO[bytes]]:
    """FILE, or standard input copied to an unlinked temporary file (it is read twice)."""
    if file == "-":
        with tempfile.TemporaryFile() as spool:
            shutil.copyfileobj(sys.stdin.buffer, spool)
            yield spool
        return
    try:
        handle = open(file, "rb")  # noqa: SIM115 - closed below, after the yield
    except OSError as exc:
        raise click.ClickException(f"cannot read {file}: {exc.strerror or exc}") from None
    with handle:
        yield handle


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
@click.option(
    "--workspace-name", default=None, help="Name of the new workspace (default: the exported one)."
)
@click.option(
    "--workspace",
    "workspace_id",
    type=int,
    default=None,
    help="JSONL files: the workspace to import into (default: the first one).",
)
@click.option(
    "--endpoint",
    default=None,
    help="JSONL files of recorded deliveries: the endpoint (id or slug) they were sent to.",
)
@click.option("--restart", is_flag=True, help="JSONL files: ignore where an earlier run stopped.")
@click.pass_context
def import_(
    ctx: click.Context,
    file: str,
    workspace_name: str | None,
    workspace_id: int | None,
    endpoint: str | None,
    restart: bool,
) -> None:
    """Import FILE (`-`: standard input): a workspace written by `echodash export`, or a
    JSONL file of custom events (`{"event": …}`) or recorded deliveries (`{"body": …}`).

    An export is checked whole before anything is written and becomes a new workspace. A
    JSONL file goes into an existing workspace line by line: bad lines are reported with
    their numbers, the rest are imported, and an interrupted import resumes where it stopped.
    """
    settings = settings_from(ctx)
    with _input(file) as handle:
        handle.seek(0)
        if not is_export(handle):
            import_jsonl(settings, file, handle, workspace_id, endpoint, restart)
            return
        try:
            fmt, header = _header(handle)
            summary = IMPORTERS[fmt](settings, handle, header, workspace_name)
        except InvalidLine as exc:
            raise click.ClickException(f"{file}: {exc}; nothing was imported") from None
    click.echo(f"{summary} from {'standard input' if file == '-' else file}")
