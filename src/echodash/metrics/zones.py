"""A time zone as the database can use it: the UTC offsets in force over a span of time, so a
moment's local day is `(moment + offset) // day` with the offset of its segment (DST and other
changes included). PostgreSQL converts with `AT TIME ZONE`; SQLite, which knows no zones, is
handed these segments."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta, tzinfo
from functools import lru_cache

EPOCH = date(1970, 1, 1)
# Offsets are looked at once a day and each change is found to the second between two looks:
# zones change their offset at most a few times a year, never twice in a day.
_STEP = timedelta(days=1)


def offset_at(zone: tzinfo, moment: datetime) -> timedelta:
    return moment.astimezone(zone).utcoffset() or timedelta(0)


@lru_cache(maxsize=64)
def offset_segments(
    zone: tzinfo, start: datetime, end: datetime
) -> tuple[tuple[datetime, timedelta], ...]:
    """((from, offset), …) covering [start, end): each offset is in force from its moment to
    the next one's (the first also before `start`, the last also after `end`). Changes are
    found to the second (zones change on whole seconds)."""
    found = [(start, offset_at(zone, start))]
    moment = start
    while moment < end:
        following = min(moment + _STEP, end)
        current = found[-1][1]
        if offset_at(zone, following) != current:
            # The change lies in (low, high]: halve it down to one second.
            low, high = int(moment.timestamp()), math.ceil(following.timestamp())
            while high - low > 1:
                middle = (low + high) // 2
                if offset_at(zone, _at(middle)) == current:
                    low = middle
                else:
                    high = middle
            found.append((_at(high), offset_at(zone, _at(high))))
        moment = following
    return tuple(found)


def _at(seconds: int) -> datetime:
    return datetime.fromtimestamp(seconds, UTC)


def local_day_number(moment: datetime, zone: tzinfo) -> int:
    """Days from 1970-01-01 to the moment's local date (what the SQL day expressions give)."""
    return (moment.astimezone(zone).date() - EPOCH).days


def day_of_number(number: int) -> date:
    return EPOCH + timedelta(days=number)
