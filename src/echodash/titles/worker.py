"""Feed templates rendered in a child process with hard limits no expression can pass.

The sandbox counts work and checks a deadline between operations, but one operation in C
(building the text of a huge list, a sort) runs to its end once started, and would hold the
event loop — and every sender waiting for its 202 — while it runs. So templates are rendered
in a child process: it may use at most MEMORY_LIMIT more memory than it started with (then
the render fails with MemoryError), and a render that passes its wall-clock limit gets the
child killed and replaced. The server's side waits in a thread, never on the event loop.

One RenderPool is one child, used by one caller at a time: the processor has its own, so a
member's previews (in another, lower-priority child) can never delay anyone's events.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass
from multiprocessing.connection import Connection
from typing import Any, Protocol

import orjson

from echodash.events import EventDraft
from echodash.titles.apply import apply_checked
from echodash.titles.model import FeedTemplate

log = logging.getLogger("echodash.templating")

# A render may take this long in all (the sandbox gives up at 0.25 s by itself; this is the
# limit for what it cannot interrupt, with room for a busy machine).
HARD_SECONDS = 1.0
# More memory than this above the child's size at start, and a render fails (MemoryError).
MEMORY_LIMIT = 256 * 1024 * 1024
START_SECONDS = 30.0  # a fresh child must answer this fast (it imports Jinja)
TOO_SLOW = "The template took too long to render; simplify it."
TOO_BIG = "The template needs too much memory to render; simplify it."
BROKEN = "The template could not be rendered."


@dataclass(frozen=True, slots=True)
class RenderJob:
    """One delivery's drafts, each with the template to apply (None: left as it is)."""

    source: str
    body: bytes
    drafts: tuple[tuple[EventDraft, FeedTemplate | None], ...]
    owner: int = 0  # the workspace whose templates these are (for render budgets)


Rendered = list[tuple[EventDraft, str | None]]  # each draft as templated, and any error


class RenderMeter(Protocol):
    """Decides which jobs may use the child, and hears how long each took."""

    def allows(self, job: RenderJob) -> bool: ...

    def spent(self, job: RenderJob, seconds: float) -> None: ...


def render_job(job: RenderJob) -> Rendered:
    """What the child does for one job (pure; also usable in-process by tests)."""
    payload = _payload(job.body) if any(t is not None for _, t in job.drafts) else None
    out: Rendered = []
    for draft, template in job.drafts:
        if template is None:
            out.append((draft, None))
            continue
        try:
            out.append(apply_checked(draft, job.source, payload, template))
        except MemoryError:
            raise
        except Exception:  # the sandbox turns template faults into errors; this is a bug
            log.exception("feed template failed unexpectedly")
            out.append((draft, BROKEN))
    return out


def _payload(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except ValueError:
        return None


class RenderPool:
    """A child process rendering feed templates for one caller at a time."""

    def __init__(
        self,
        name: str,
        niceness: int = 0,
        hard_seconds: float = HARD_SECONDS,
        memory_limit: int = MEMORY_LIMIT,
    ) -> None:
        self.name = name
        self._niceness = niceness
        self._hard_seconds = hard_seconds
        self._memory_limit = memory_limit
        self._lock = threading.Lock()  # one exchange with the child at a time
        self._process: Any = None
        self._conn: Connection | None = None
        self.restarts = 0

    async def render(
        self, jobs: Sequence[RenderJob], meter: RenderMeter | None = None
    ) -> list[Rendered]:
        """Each job's drafts with their templates applied; a job whose render fails or is
        cut off keeps its drafts as they were, with the reason as the error. A job `meter`
        does not allow keeps its drafts as they were, without an error."""
        if not jobs:
            return []
        return await asyncio.to_thread(self._render_all, list(jobs), meter)

    def close(self) -> None:
        with self._lock:
            self._stop_child()

    # In a worker thread
    def _render_all(self, jobs: list[RenderJob], meter: RenderMeter | None) -> list[Rendered]:
        with self._lock:
            results: list[Rendered] = []
            for job in jobs:
                if meter is not None and not meter.allows(job):
                    results.append(_unchanged(job, None))
                    continue
                started = time.monotonic()
                results.append(self._render_one(job))
                if meter is not None:
                    meter.spent(job, time.monotonic() - started)
            return results

    def _render_one(self, job: RenderJob) -> Rendered:
        templated = sum(1 for _, t in job.drafts if t is not None)
        if not templated:
            return [(draft, None) for draft, _ in job.drafts]
        try:
            conn = self._child()
            conn.send(job)
            if not conn.poll(self._hard_seconds * templated):
                log.warning("%s: a feed template passed its time limit; child restarted", self.name)
                self._stop_child()
                return _unchanged(job, TOO_SLOW)
            answer = conn.recv()
        except (EOFError, OSError, BrokenPipeError):
            # The child died (out of memory in C, killed): replaced on next use.
            log.warning("%s: the template child died; it is restarted", self.name)
            self._stop_child()
            return _unchanged(job, TOO_BIG)
        if isinstance(answer, str):  # the child ran out of memory and is leaving
            self._stop_child()
            return _unchanged(job, answer)
        result: Rendered = answer
        return result

    def _child(self) -> Connection:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        self._stop_child()
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        process = context.Process(
            target=_child_main,
            args=(child, self._memory_limit),
            name=f"echodash-{self.name}",
            daemon=True,
        )
        _start_with_niceness(process, self._niceness)
        child.close()
        if not parent.poll(START_SECONDS):
            process.kill()
            raise OSError("the template child did not start")
        parent.recv()  # "ready"
        self._process, self._conn = process, parent
        self.restarts += 1
        return parent

    def _stop_child(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(OSError):
                self._conn.close()
        if self._process is not None:
            with contextlib.suppress(OSError, ValueError):
                self._process.kill()
                self._process.join(5)
        self._process, self._conn = None, None


def _unchanged(job: RenderJob, error: str | None) -> Rendered:
    return [(draft, error if template is not None else None) for draft, template in job.drafts]


def _start_with_niceness(process: Any, niceness: int) -> None:
    """Start the child at `niceness` from its very first instruction: its start-up (a new
    interpreter importing Jinja, ~0.3 s of CPU) must not compete with the server either.
    Linux gives a new process the niceness of the thread that made it, so a short-lived
    thread lowers its own priority and starts the child."""
    if not niceness:
        process.start()
        return
    failure: list[BaseException] = []

    def start() -> None:
        try:
            with contextlib.suppress(OSError, AttributeError):
                os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), niceness)
            process.start()
        except BaseException as exc:  # handed to the caller below
            failure.append(exc)

    starter = threading.Thread(target=start, name="echodash-render-start")
    starter.start()
    starter.join()
    if failure:
        raise failure[0]


def _child_main(conn: Connection, memory_limit: int) -> None:
    """The child: render jobs until the parent goes away."""
    _limit_memory(memory_limit)
    conn.send("ready")
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return
        try:
            conn.send(render_job(job))
        except MemoryError:
            # Whatever the render held is gone now; leave anyway, a fresh child is cheap.
            with contextlib.suppress(Exception):
                conn.send(TOO_BIG)
            return


def _limit_memory(extra: int) -> None:
    try:
        import resource

        with open("/proc/self/status", encoding="ascii") as status:
            size = next(
                int(line.split()[1]) * 1024 for line in status if line.startswith("VmSize:")
            )
        resource.setrlimit(resource.RLIMIT_AS, (size + extra, size + extra))
    except (OSError, ValueError, StopIteration, ImportError):
        pass  # not Linux: the time limit still holds
