"""The Sources pages' hourly chart: accepted and refused on one scale, every busy hour visible."""

from __future__ import annotations

import pytest

from echodash.web.present import volume_chart


def test_refused_stack_on_accepted_on_one_scale() -> None:
    chart = volume_chart([10, 0, 30], [0, 5, 10], hours_ago=3, width=120, height=28)
    assert (chart.peak, chart.accepted, chart.refused) == (40, 40, 15)
    first, second, third = chart.bars
    # The busiest hour fills the height (less a 2-unit margin); the others are to scale.
    assert third.accepted_h + third.refused_h == pytest.approx(26)
    assert third.refused_y == pytest.approx(28 - 26)
    assert first.accepted_h == pytest.approx(26 * 10 / 40)
    assert (first.refused_h, second.accepted_h) == (0.0, 0.0)
    assert second.refused_h == pytest.approx(26 * 5 / 40)
    # Bars sit side by side across the width, each its own hour.
    assert [b.x for b in chart.bars] == [0.5, 40.5, 80.5]
    assert first.title == "3 h ago: 10 accepted, 0 refused"
    assert third.title == "the last hour: 30 accepted, 10 refused"


def test_a_quiet_hour_beside_a_spike_still_shows() -> None:
    chart = volume_chart([1] + [0] * 22 + [10_000], [0] * 24, hours_ago=24)
    assert chart.bars[0].accepted_h == 1.0  # a sliver, not rounded away to nothing
    assert chart.bars[1].accepted_h == 0.0  # an empty hour stays empty


def test_an_empty_day_draws_no_bars() -> None:
    chart = volume_chart([0] * 24, [0] * 24, hours_ago=24)
    assert chart.peak == 0
    assert all(b.accepted_h == 0 and b.refused_h == 0 for b in chart.bars)
