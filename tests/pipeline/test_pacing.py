"""The processor's pacing: full speed unless deliveries arrive while the loop is saturated."""

from __future__ import annotations

import pytest

from echodash.pipeline.pacing import BUSY_SHARE, MIN_STEP, STEP_SECONDS, WINDOW, Pacer


class Clocks:
    def __init__(self) -> None:
        self.wall = 0.0
        self.thread = 0.0
        self.process = 0.0

    def spend(self, seconds: float, *, loop: float, process: float) -> None:
        """`seconds` of wall time pass with the loop's thread and the process this busy."""
        self.wall += seconds
        self.thread += seconds * loop
        self.process += seconds * process


def pacer(clocks: Clocks, cores: int = 1) -> Pacer:
    return Pacer(
        500,
        wall=lambda: clocks.wall,
        thread_cpu=lambda: clocks.thread,
        process_cpu=lambda: clocks.process,
        cores=cores,
    )


def test_idle_or_quiet_process_parses_in_full_batches() -> None:
    clocks = Clocks()
    p = pacer(clocks)
    p.arrived()
    clocks.spend(0.5, loop=0.3, process=0.4)  # deliveries arrive, but the CPU has room
    step = p.next_step()
    assert (step.limit, step.busy) == (500, False)
    assert p.took(step, 500, 0.2) == 0.0


def test_saturated_loop_with_arrivals_gets_short_steps_and_rests() -> None:
    clocks = Clocks()
    p = pacer(clocks)
    for _ in range(1000):
        p.arrived()
    clocks.spend(0.5, loop=0.95, process=0.97)
    step = p.next_step()
    assert step.busy
    # The default cost guess (0.5 ms a delivery) fits 16 deliveries in an 8 ms step.
    assert step.limit == int(STEP_SECONDS / 0.0005)
    rest = p.took(step, step.limit, 0.008)
    # Parsing keeps BUSY_SHARE of the time: 8 ms of work, then the rest for the receive path.
    assert rest == pytest.approx(0.008 * (1 - BUSY_SHARE) / BUSY_SHARE)
    assert 0.008 / (0.008 + rest) == pytest.approx(BUSY_SHARE)


def test_catching_up_after_the_burst_is_full_speed() -> None:
    clocks = Clocks()
    p = pacer(clocks)
    p.arrived()
    clocks.spend(0.5, loop=1.0, process=1.0)
    assert p.next_step().busy
    # The burst is over: the loop is still saturated (by parsing), but nothing arrives.
    clocks.spend(0.5, loop=1.0, process=1.0)
    assert p.next_step() == p.next_step()
    assert not p.next_step().busy
    assert p.next_step().limit == 500


def test_process_load_counts_against_the_cores_it_may_use() -> None:
    # Pinned to one core: the writer thread and the loop together fill it, though the loop's
    # thread alone is only 60 % busy.
    one = Clocks()
    pinned = pacer(one, cores=1)
    pinned.arrived()
    one.spend(0.5, loop=0.6, process=0.95)
    assert pinned.next_step().busy
    # The same load on two free cores leaves room: full speed.
    two = Clocks()
    free = pacer(two, cores=2)
    free.arrived()
    two.spend(0.5, loop=0.6, process=0.95)
    assert not free.next_step().busy


def test_a_short_window_keeps_the_last_judgement() -> None:
    clocks = Clocks()
    p = pacer(clocks)
    p.arrived()
    clocks.spend(0.5, loop=1.0, process=1.0)
    assert p.next_step().busy
    clocks.spend(WINDOW / 10, loop=0.0, process=0.0)  # a blink of quiet decides nothing
    assert p.next_step().busy


def test_step_size_follows_the_measured_cost_and_never_stops() -> None:
    clocks = Clocks()
    p = pacer(clocks)
    p.arrived()
    clocks.spend(0.5, loop=1.0, process=1.0)
    step = p.next_step()
    for _ in range(50):  # cheap deliveries: 0.1 ms each
        p.took(step, 100, 0.01)
    assert p.next_step().limit == pytest.approx(STEP_SECONDS / 0.0001, abs=2)
    for _ in range(50):  # very expensive deliveries: 20 ms each
        p.took(step, 10, 0.2)
    assert p.next_step().limit == MIN_STEP
