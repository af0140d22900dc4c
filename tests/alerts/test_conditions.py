"""When rules fire: a burst opens one alert, a stopped heartbeat one, a spike one — and four
weeks of ordinary traffic with its daily and weekly rhythm none."""

from __future__ import annotations

import math
import random
from datetime import datetime, timedelta
from typing import Any

from echodash.alerts.conditions import CountWindow, absence_due, quiet_seconds, would_fire
from echodash.alerts.rules import Count, Rule, parse_rule
from tests.alerts.events import T0


def rule(condition: dict[str, Any], **extra: Any) -> Rule:
    return parse_rule({"name": "r", "condition": condition} | extra)


def seconds(*offsets: float) -> list[datetime]:
    return [T0 + timedelta(seconds=s) for s in offsets]


DAY = timedelta(days=1)


def test_a_burst_fires_once_and_a_second_burst_after_it_cleared_fires_again() -> None:
    burst = rule({"kind": "count", "threshold": 5, "window_seconds": 60})
    first = seconds(*range(0, 20, 2))  # 10 failures in 20 s
    second = seconds(*range(600, 620, 2))  # 10 more, ten minutes later
    moments = would_fire(burst, [*first, *second], T0, T0 + DAY)
    assert moments == [first[4], second[4]]  # the fifth event of each burst


def test_a_steady_trickle_under_the_threshold_never_fires() -> None:
    burst = rule({"kind": "count", "threshold": 5, "window_seconds": 60})
    trickle = seconds(*range(0, 3600, 15))  # 4 a minute
    assert would_fire(burst, trickle, T0, T0 + DAY) == []


def test_a_count_alert_stays_one_alert_while_the_burst_goes_on() -> None:
    burst = rule({"kind": "count", "threshold": 3, "window_seconds": 60})
    steady = seconds(*range(0, 3600, 5))  # an hour at 12 a minute
    assert would_fire(burst, steady, T0, T0 + DAY) == [T0 + timedelta(seconds=10)]


def test_the_quiet_period_joins_bursts_that_come_close_together() -> None:
    joined = rule(
        {"kind": "count", "threshold": 3, "window_seconds": 60}, resolve_after_seconds=900
    )
    times = seconds(0, 1, 2, 300, 301, 302)  # cleared at 62 s; back within 15 min
    assert would_fire(joined, times, T0, T0 + DAY) == [T0 + timedelta(seconds=2)]
    assert (
        len(
            would_fire(
                rule({"kind": "count", "threshold": 3, "window_seconds": 60}), times, T0, T0 + DAY
            )
        )
        == 2
    )


def test_a_burst_begun_before_the_window_is_not_a_new_alert_inside_it() -> None:
    burst = rule({"kind": "count", "threshold": 3, "window_seconds": 60})
    times = seconds(0, 1, 2, 3, 4)
    assert would_fire(burst, times, T0 + timedelta(seconds=3), T0 + DAY) == []


def test_count_window_says_when_it_clears() -> None:
    window = CountWindow(Count(3, 60))
    assert not window.add(T0)
    assert not window.add(T0 + timedelta(seconds=10))
    assert window.add(T0 + timedelta(seconds=20))
    assert window.clears_at() == T0 + timedelta(seconds=60)
    assert window.add(T0 + timedelta(seconds=61))  # 10 s, 20 s and 61 s are within a minute
    assert not window.add(T0 + timedelta(seconds=85))  # only 61 s and 85 s remain


def test_every_event_opens_an_alert_unless_one_is_open() -> None:
    every = rule({"kind": "every"})
    assert quiet_seconds(every) == 600
    times = seconds(0, 60, 1000, 3000)
    assert would_fire(every, times, T0, T0 + DAY) == seconds(0, 1000, 3000)


def test_a_heartbeat_that_stops_fires_once_per_silence() -> None:
    heartbeat = rule({"kind": "absence", "window_seconds": 600})
    beats = seconds(*range(0, 3600, 300))  # every 5 min for an hour, then nothing
    moments = would_fire(heartbeat, beats, T0, T0 + timedelta(hours=3))
    assert moments == [beats[-1] + timedelta(seconds=600)]
    # Back after the silence, then silent again: a second alert.
    back = [*beats, T0 + timedelta(hours=2), T0 + timedelta(hours=2, minutes=5)]
    assert len(would_fire(heartbeat, back, T0, T0 + timedelta(hours=4))) == 2


def test_a_stream_that_never_started_fires_after_one_window() -> None:
    weekly_deploy = rule({"kind": "absence", "window_seconds": 7 * 86400})
    assert would_fire(weekly_deploy, [], T0, T0 + 10 * DAY) == [T0 + 7 * DAY]
    assert absence_due(None, T0, weekly_deploy.condition) == T0 + 7 * DAY  # type: ignore[arg-type]


def traffic(
    days: int, seed: int, spike_at: datetime | None = None, factor: float = 5
) -> list[datetime]:
    """Sign-ups with a daily rhythm (busy afternoons, quiet nights) and a weekly one (quiet
    weekends), Poisson-distributed per hour."""
    rng = random.Random(seed)
    times = []
    start = T0 - timedelta(days=days)
    for hour in range(days * 24):
        moment = start + timedelta(hours=hour)
        daily = 0.2 + 0.8 * max(0.0, math.sin((moment.hour - 6) / 24 * 2 * math.pi))
        weekly = 0.35 if moment.weekday() >= 5 else 1.0
        mean = 60 * daily * weekly
        if spike_at is not None and moment == spike_at:
            mean *= factor
        count = _poisson(rng, mean)
        times += sorted(moment + timedelta(seconds=rng.uniform(0, 3600)) for _ in range(count))
    return times


def _poisson(rng: random.Random, mean: float) -> int:
    # Normal approximation is fine above ~10; Knuth's method below.
    if mean > 30:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def test_anomaly_stays_quiet_over_weeks_of_ordinary_seasonal_traffic() -> None:
    spikes = rule({"kind": "anomaly", "factor": 3, "min_count": 20})
    drops = rule({"kind": "anomaly", "factor": 0.5, "min_count": 20})
    for seed in range(3):
        times = traffic(days=8 * 7, seed=seed)
        checked_from = T0 - timedelta(weeks=4)  # four weeks judged against four before
        assert would_fire(spikes, times, checked_from, T0) == [], f"seed {seed}"
        assert would_fire(drops, times, checked_from, T0) == [], f"seed {seed}"


def test_anomaly_catches_a_five_fold_spike_within_the_hour() -> None:
    spikes = rule({"kind": "anomaly", "factor": 3, "min_count": 20})
    spike_hour = T0 - timedelta(days=3, hours=-5)  # a Friday, 14:00
    times = traffic(days=8 * 7, seed=7, spike_at=spike_hour)
    moments = would_fire(spikes, times, T0 - timedelta(weeks=4), T0)
    assert len(moments) == 1
    assert spike_hour <= moments[0] < spike_hour + timedelta(minutes=45)


def test_anomaly_catches_sign_ups_at_a_fraction_of_their_usual_rate() -> None:
    drops = rule({"kind": "anomaly", "factor": 0.5, "min_count": 20})
    quiet_hour = T0 - timedelta(days=3, hours=-5)
    times = traffic(days=8 * 7, seed=11, spike_at=quiet_hour, factor=0.2)
    assert would_fire(drops, times, T0 - timedelta(weeks=4), T0) == [
        quiet_hour + timedelta(hours=1)
    ]


def test_anomaly_says_nothing_until_it_has_history() -> None:
    spikes = rule({"kind": "anomaly", "factor": 3, "min_count": 5})
    burst = seconds(*range(0, 600, 1))  # 600 events in one hour, but no history at all
    assert would_fire(spikes, burst, T0, T0 + DAY) == []


def test_a_quiet_stream_does_not_flap() -> None:
    """Usually 0-2 events an hour: 6 in one hour is "6 x the usual" but under min_count."""
    spikes = rule({"kind": "anomaly", "factor": 3, "min_count": 10})
    rng = random.Random(3)
    start = T0 - timedelta(weeks=5)
    times = sorted(start + timedelta(seconds=rng.uniform(0, 5 * 7 * 86400)) for _ in range(700))
    times += seconds(*range(0, 60, 10))
    times.sort()
    assert would_fire(spikes, times, T0 - timedelta(weeks=1), T0 + timedelta(hours=1)) == []
