"""The dashboards' parts without a server: the range read from the URL (presets, dates,
mistakes named), money and durations in words, and pygal's SVG made fit for the page (no
style, script or random id; a native tooltip per point; a waterfall that stacks)."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import time_machine

from echodash.web import charts
from echodash.web.charts import Point, Step
from echodash.web.dashboard_figures import duration, money, percent
from echodash.web.dashboard_range import link, read_range

NOW = datetime(2026, 12, 4, 12, 0, tzinfo=UTC)


@time_machine.travel(NOW, tick=False)
def test_presets_custom_dates_and_mistakes() -> None:
    week = read_range({"range": "7d"})
    assert (week.since, week.until, week.preset) == (NOW - timedelta(days=7), NOW, "7d")
    assert read_range({}).preset == "30d"
    # Days typed in the custom form: both included (until is the midnight after).
    custom = read_range({"since": "2026-10-01", "until": "2026-10-31"})
    assert custom.since == datetime(2026, 10, 1, tzinfo=UTC)
    assert custom.until == datetime(2026, 11, 1, tzinfo=UTC)
    assert (custom.since_day(), custom.until_day()) == ("2026-10-01", "2026-10-31")
    assert link("/dashboards/events", custom, metric="nps", event="") == (
        "/dashboards/events?since=2026-10-01T00%3A00%3A00Z&until=2026-11-01T00%3A00%3A00Z"
        "&metric=nps"
    )
    for values, words in [
        ({"since": "yesterday"}, "Dates look like 2026-10-01"),
        ({"since": "2026-11-01", "until": "2026-10-01"}, "start must be before its end"),
        ({"since": "2000-01-01", "until": "2026-01-01"}, "at most 3660 days"),
        ({"range": "2w"}, "Choose a range of 7d, 30d, 90d, 365d or dates."),
    ]:
        shown = read_range(values)
        assert words in shown.error
        assert (shown.preset, shown.until - shown.since) == ("30d", timedelta(days=30))


def test_figures_in_words() -> None:
    assert money(17820, "usd") == "$178.20"
    assert money(-1000, "eur") == "\u2212€10.00"
    assert money(500, "jpy") == "¥500"
    assert money(1234567, "chf") == "12,345.67 CHF"
    assert money(None, "usd") == "—"
    assert [duration(m) for m in (45, 90, 60 * 30, 60 * 24 * 3)] == [
        "45 min",
        "1.5 h",
        "30.0 h",
        "3.0 d",
    ]
    assert percent(0.3333) == "33.3 %"


def test_charts_carry_no_style_script_or_random_id() -> None:
    svg = charts.line("MRR", ["Oct 1", "Oct 2"], [[Point(100, "Oct 1: $1.00"), Point(250, "x")]])
    assert svg.startswith("<svg") and 'role="img" aria-label="MRR"' in svg
    assert "<style" not in svg and "<script" not in svg and "style=" not in svg
    assert 'id="chart-' not in svg
    assert "<title>Oct 1: $1.00</title>" in svg
    # The same numbers give the same bytes.
    assert svg == charts.line(
        "MRR", ["Oct 1", "Oct 2"], [[Point(100, "Oct 1: $1.00"), Point(250, "x")]]
    )


def test_waterfall_stacks_changes_on_an_invisible_base() -> None:
    svg = charts.waterfall(
        "Movements",
        [
            Step("Start", 100, "Start: 100", total=True),
            Step("New", 20, "New: +20"),
            Step("Churn", -50, "Churn: -50"),
            Step("End", 70, "End: 70", total=True),
        ],
    )

    def heights(series: int) -> list[float]:
        group = re.search(
            rf'<g class="series serie-{series} color-{series}">(.*?)</g></g></g>', svg
        )
        assert group, series
        return [float(h) for h in re.findall(r'height="([\d.]+)"', group.group(1))]

    base, totals, ups, downs = (heights(n) for n in range(4))
    unit = totals[0] / 100  # pixels per unit, from the start bar
    # New floats on top of the start (base 100), churn hangs below 120 down to 70.
    assert [round(h / unit) for h in base] == [0, 100, 70, 0]
    assert [round(h / unit) for h in totals] == [100, 0, 0, 70]
    assert [round(h / unit) for h in ups] == [0, 20, 0, 0]
    assert [round(h / unit) for h in downs] == [0, 0, 50, 0]
    for tip in ("Start: 100", "New: +20", "Churn: -50", "End: 70"):
        assert f"<title>{tip}</title>" in svg
