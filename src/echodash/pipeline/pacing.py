"""How hard the processor may parse: the receive path comes first while deliveries arrive.

Receiving and parsing share the event loop's thread (and, when the process is pinned to one
core, the core). While the loop is saturated and deliveries are still arriving, parsing at
full speed takes CPU from acknowledging them: throughput falls, and it can settle there,
because a lower arrival rate no longer looks like a burst. So the signal is not the arrival
rate but the CPU: when the loop's thread (or the process, measured against the cores it may
use) is nearly always busy and deliveries arrived in the last window, parsing gets a bounded
share of the time, in short steps; as soon as arrivals stop, or the CPU has room, it parses at
full speed and catches up. Nothing is dropped either way: the deliveries wait in the store.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass

# Parsing's share of wall time while the loop is saturated and deliveries arrive.
BUSY_SHARE = 0.05
# The loop counts as saturated above this fraction of a core.
SATURATED = 0.85
# Measurements are taken over at least this long, so one quiet gap does not decide.
WINDOW = 0.1
# A step in busy mode aims to hold the loop no longer than this (so acknowledgements waiting
# behind it stay fast), with at least MIN_STEP deliveries per step so progress never stops.
STEP_SECONDS = 0.008
MIN_STEP = 8


def usable_cores() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


@dataclass(frozen=True, slots=True)
class Step:
    limit: int  # at most this many deliveries in the next batch
    busy: bool  # the receive path has priority: rest after the batch (see `rest`)


class Pacer:
    """Decides each processor step's size and the rest after it.

    Clocks are injectable so tests can drive it; by default, wall time, the calling thread's
    CPU time and the process's CPU time.
    """

    def __init__(
        self,
        batch: int,
        *,
        wall: Callable[[], float] = time.monotonic,
        thread_cpu: Callable[[], float] = time.thread_time,
        process_cpu: Callable[[], float] = time.process_time,
        cores: int | None = None,
    ) -> None:
        self._batch = batch
        self._wall = wall
        self._thread_cpu = thread_cpu
        self._process_cpu = process_cpu
        self._cores = cores if cores is not None else usable_cores()
        self._arrivals = 0
        self._since = (wall(), thread_cpu(), process_cpu())
        self._busy = False
        self._per_delivery = 0.0005  # seconds of parsing per delivery, learnt as it runs

    def arrived(self) -> None:
        self._arrivals += 1

    def saturated(self) -> bool:
        """Whether the loop was nearly always busy, with deliveries arriving, lately."""
        wall, thread, process = self._wall(), self._thread_cpu(), self._process_cpu()
        elapsed = wall - self._since[0]
        if elapsed < WINDOW:
            return self._busy
        thread_load = (thread - self._since[1]) / elapsed
        process_load = (process - self._since[2]) / (elapsed * self._cores)
        self._busy = self._arrivals > 0 and max(thread_load, process_load) >= SATURATED
        self._arrivals = 0
        self._since = (wall, thread, process)
        return self._busy

    def next_step(self) -> Step:
        if not self.saturated():
            return Step(self._batch, busy=False)
        fits = int(STEP_SECONDS / self._per_delivery) if self._per_delivery > 0 else self._batch
        return Step(max(MIN_STEP, min(self._batch, fits)), busy=True)

    def took(self, step: Step, done: int, seconds: float) -> float:
        """Record a step's cost; the seconds to rest before the next one."""
        if done > 0:
            cost = seconds / done
            self._per_delivery = 0.8 * self._per_delivery + 0.2 * cost
        if not step.busy:
            return 0.0
        return seconds * (1.0 - BUSY_SHARE) / BUSY_SHARE
