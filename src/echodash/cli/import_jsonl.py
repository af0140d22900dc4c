"""`echodash import FILE.jsonl`: custom events or recorded deliveries, one JSON object a line.

Good lines are stored in batches; each bad line is reported with its number and the rest go
on. The position after each stored batch is kept in `FILE.import-state`, so an interrupted
import resumes where it stopped; every line also has a stable id, so lines stored twice are
recognised as duplicates.
"""

from __future__ import annotations

import base64
import hashlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import click
import orjson

from echodash.bus.memory import MemoryBus
from echodash.cli.context import with_open_store
from echodash.config import Settings
from echodash.crypto import SecretBox
from echodash.custom_events import CustomEvent, InvalidCustomEvent, parse_custom_event
from echodash.custom_intake import CustomIntake
from echodash.events import Delivery, Origin, utcnow
from echodash.pipeline.processor import Processor
from echodash.sources import source_class
from echodash.store.base import EndpointRecord, Store

BATCH = 1000
# A line with any of these (and no body) is meant as a custom event: say what it lacks.
_CUSTOM_KEYS = frozenset({"event", "distinct_id", "values", "properties", "timestamp"})
SHOWN_REJECTIONS = 50


class ImportProblem(ValueError):
    """A line that cannot be imported; the message says why."""


@dataclass(slots=True)
class Progress:
    line: int = 0
    offset: int = 0
    imported: int = 0
    duplicates: int = 0
    rejected: list[tuple[int, str]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Target:
    workspace_id: int
    endpoint: EndpointRecord | None  # where recorded deliveries go


def _state_path(file: str) -> Path:
    return Path(file + ".import-state")


def _fingerprint(handle: IO[bytes]) -> str:
    """Identifies the file's start, so a state file is only used for the same file."""
    start = handle.read(4096)
    handle.seek(0)
    return hashlib.sha256(start).hexdigest()


def load_state(file: str, handle: IO[bytes], restart: bool) -> Progress:
    path = _state_path(file)
    if restart or not path.exists():
        return Progress()
    try:
        state = orjson.loads(path.read_bytes())
        if state["fingerprint"] != _fingerprint(handle):
            return Progress()
        return Progress(
            line=int(state["line"]),
            offset=int(state["offset"]),
            imported=int(state["imported"]),
            duplicates=int(state["duplicates"]),
            rejected=[(int(n), str(why)) for n, why in state["rejected"]],
        )
    except (OSError, ValueError, KeyError, TypeError, orjson.JSONDecodeError):
        return Progress()


def save_state(file: str, handle: IO[bytes], progress: Progress) -> None:
    path = _state_path(file)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(
        orjson.dumps(
            {
                "fingerprint": _fingerprint_at(handle),
                "line": progress.line,
                "offset": progress.offset,
                "imported": progress.imported,
                "duplicates": progress.duplicates,
                "rejected": progress.rejected,
            }
        )
    )
    os.replace(tmp, path)


def _fingerprint_at(handle: IO[bytes]) -> str:
    position = handle.tell()
    handle.seek(0)
    found = _fingerprint(handle)
    handle.seek(position)
    return found


def _delivery(doc: dict[str, Any], target: Target, line_key: str) -> Delivery:
    endpoint = target.endpoint
    if endpoint is None:
        raise ImportProblem("a recorded delivery needs --endpoint (the endpoint it was sent to)")
    headers = doc.get("headers", {})
    if not isinstance(headers, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in headers.items()
    ):
        raise ImportProblem("`headers` must be an object of text values")
    headers = {k.lower(): v for k, v in headers.items()}
    if isinstance(doc.get("body_base64"), str):
        try:
            body = base64.b64decode(doc["body_base64"], validate=True)
        except ValueError:
            raise ImportProblem("`body_base64` is not base64") from None
    elif isinstance(doc.get("body"), str):
        body = doc["body"].encode("utf-8")
    elif isinstance(doc.get("body"), dict | list):
        try:
            body = orjson.dumps(doc["body"])
        except orjson.JSONEncodeError:  # orjson writes at most 254 levels; reading takes 1,024
            raise ImportProblem(
                "`body` nests too deeply to be written back as JSON; give it as text or "
                "`body_base64`"
            ) from None
    else:
        raise ImportProblem("a recorded delivery needs `body` (text or JSON) or `body_base64`")
    source = source_class(endpoint.kind)(endpoint.options)
    try:
        key = source.delivery_id(headers, body) or line_key
    except Exception:
        key = line_key
    secret_headers = {"authorization", "proxy-authorization", "cookie", *source.secret_headers}
    return Delivery(
        endpoint_id=endpoint.id,
        workspace_id=target.workspace_id,
        source=endpoint.kind,
        key=key[:200],
        headers={k: v for k, v in headers.items() if k not in secret_headers},
        body=body,
        received_at=utcnow(),
        secret_id=None,
        origin=Origin.IMPORT,
    )


def read_line(raw: bytes, target: Target) -> CustomEvent | Delivery:
    """One line as what it holds: a custom event (`event`) or a recorded delivery (`body`)."""
    try:
        doc = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise ImportProblem(f"not JSON ({exc.args[0].split(':')[0]})") from None
    if not isinstance(doc, dict):
        raise ImportProblem("not a JSON object")
    # The same line always gets the same id: importing it again is a recognised duplicate.
    line_key = "import:" + hashlib.sha256(raw.strip()).hexdigest()[:32]
    if "body" not in doc and "body_base64" not in doc and _CUSTOM_KEYS & set(doc):
        try:
            return parse_custom_event(doc, utcnow(), line_key)
        except InvalidCustomEvent as exc:
            raise ImportProblem(str(exc)) from None
    if "body" in doc or "body_base64" in doc:
        return _delivery(doc, target, line_key)
    raise ImportProblem("neither a custom event (`event`) nor a recorded delivery (`body`)")


async def store_batch(
    store: Store, intake: CustomIntake, target: Target, items: Sequence[CustomEvent | Delivery]
) -> tuple[int, int]:
    """(stored, duplicates) for one batch, committed when this returns."""
    events = [i for i in items if isinstance(i, CustomEvent)]
    deliveries = [i for i in items if isinstance(i, Delivery)]
    results = (
        list(await intake.append(target.workspace_id, events, Origin.IMPORT)) if events else []
    )
    for delivery in deliveries:
        results.append(await store.append_delivery(delivery))
    duplicates = sum(1 for r in results if r.duplicate)
    return len(results) - duplicates, duplicates


async def parse_all(store: Store) -> int:
    """Turn what was stored into feed events now (a running server would, too; each
    delivery is parsed once either way)."""
    processor = Processor(store, MemoryBus())
    total = 0
    while taken := await processor.process_pending(500):
        total += taken
    return total


async def find_target(
    store: Store, box: SecretBox, workspace_id: int | None, endpoint: str | None
) -> Target:
    workspace = workspace_id or await store.ensure_default_workspace()
    if await store.get_workspace(workspace) is None:
        raise click.UsageError(f"no workspace has id {workspace}")
    record = None
    if endpoint is not None:
        if endpoint.isdigit():
            record = await store.get_endpoint(workspace, int(endpoint))
        else:
            found = await store.get_endpoint_by_slug(endpoint)
            record = found if found and found.workspace_id == workspace else None
        if record is None:
            raise click.UsageError(f"no endpoint {endpoint!r} in workspace {workspace}")
    return Target(workspace, record)


def run_import(
    store: Store,
    box: SecretBox,
    file: str,
    handle: IO[bytes],
    target_args: tuple[int | None, str | None],
    restart: bool,
) -> Any:
    """The coroutine `with_open_store` runs: read, store in batches, keep the position."""

    async def work() -> Progress:
        target = await find_target(store, box, *target_args)
        intake = CustomIntake(store)
        resumable = file != "-"
        progress = load_state(file, handle, restart) if resumable else Progress()
        if progress.line:
            click.echo(
                f"Resuming after line {progress.line:,} ({progress.imported:,} imported "
                "before); --restart starts over.",
                err=True,
            )
        handle.seek(progress.offset)
        size = os.fstat(handle.fileno()).st_size if resumable else 0
        batch: list[CustomEvent | Delivery] = []
        with click.progressbar(length=max(size, 1), label="Importing", file=sys.stderr) as bar:
            bar.update(progress.offset)
            while True:
                raw = handle.readline()
                if raw.strip():
                    try:
                        batch.append(read_line(raw, target))
                    except ImportProblem as exc:
                        progress.rejected.append((progress.line + 1, str(exc)))
                progress.line += 1 if raw else 0
                if batch and (len(batch) >= BATCH or not raw):
                    stored, duplicates = await store_batch(store, intake, target, batch)
                    progress.imported += stored
                    progress.duplicates += duplicates
                    batch = []
                    # Everything before this point is committed: a restart resumes here.
                    bar.update(handle.tell() - progress.offset)
                    progress.offset = handle.tell()
                    if resumable:
                        save_state(file, handle, progress)
                if not raw:
                    break
        await parse_all(store)
        if resumable:
            _state_path(file).unlink(missing_ok=True)
        return progress

    return work()


def is_export(handle: IO[bytes]) -> bool:
    """Whether FILE is (or tries to be) an export: its lines carry a `type` (header,
    endpoint, …), which custom events and recorded deliveries never have."""
    try:
        for line in handle:
            if line.strip():
                try:
                    document = orjson.loads(line)
                except orjson.JSONDecodeError:
                    return False
                return isinstance(document, dict) and "type" in document
        return False
    finally:
        handle.seek(0)


def import_jsonl(
    settings: Settings,
    file: str,
    handle: IO[bytes],
    workspace_id: int | None,
    endpoint: str | None,
    restart: bool,
) -> None:
    progress = with_open_store(
        settings,
        lambda store, box: run_import(store, box, file, handle, (workspace_id, endpoint), restart),
    )
    click.echo(
        f"Imported {progress.imported:,} from {'standard input' if file == '-' else file}"
        f" ({progress.duplicates:,} already there, {len(progress.rejected):,} rejected)."
    )
    if progress.rejected:
        for number, why in progress.rejected[:SHOWN_REJECTIONS]:
            click.echo(f"line {number}: {why}", err=True)
        if len(progress.rejected) > SHOWN_REJECTIONS:
            click.echo(f"… and {len(progress.rejected) - SHOWN_REJECTIONS:,} more", err=True)
        raise SystemExit(1)
