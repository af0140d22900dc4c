"""What one digest says: counts for its period and the events worth a look."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from echodash import event_query
from echodash.digest.subscription import Subscription, period
from echodash.events import Event, Severity
from echodash.store.base import EventFilter, Store

NOTABLE_LIMIT = 10
TOP_TYPES = 10
# Most severe first: a critical event outranks any number of warnings.
ATTENTION = (Severity.CRITICAL, Severity.ERROR, Severity.WARNING)
_SEVERITY_ORDER = [s.value for s in Severity]
PAGE = 100
# Looking for the few events a narrow subscription wants must not read a huge feed.
MAX_SCAN = 2000
# The feed's `range` filter values, shortest first (a daily digest links to the last 24 hours,
# a weekly one to the last 7 days).
FEED_RANGES = (("24h", timedelta(days=1)), ("7d", timedelta(days=7)), ("30d", timedelta(days=30)))


@dataclass
class Digest:
    """The content of one digest e-mail, before it is rendered."""

    workspace_name: str
    period_start: datetime
    period_end: datetime
    total: int
    # Sorted by count (highest first), then name.
    per_source: list[tuple[str, int]]
    # Fingerprints "source:type", the TOP_TYPES most frequent.
    per_type: list[tuple[str, int]]
    by_severity: dict[str, int]
    notable: list[Event]
    # Events needing attention that did not fit in `notable`.
    more_notable: int
    frequency: str = "daily"
    attention: int = field(default=0)
    # The feed's filters (its URL query) showing what `attention` counts.
    attention_query: dict[str, str] = field(default_factory=dict)


async def build_digest(
    store: Store, workspace_id: int, workspace_name: str, sub: Subscription, now: datetime
) -> Digest:
    """Summarize [max(last_sent_at, now - period), now) of one workspace for one person."""
    start = now - period(sub.frequency)
    if sub.last_sent_at is not None and sub.last_sent_at > start:
        start = sub.last_sent_at
    sources: Counter[str] = Counter()
    types: Counter[str] = Counter()
    severities: Counter[str] = Counter()
    counts = await store.event_counts(workspace_id, start, now, replays=sub.replays)
    for source, type_, severity, outcome, count in counts:
        if not sub.wants(source, type_, severity, outcome):
            continue
        sources[source] += count
        types[f"{source}:{type_}"] += count
        severities[severity] += count
    attention = sum(severities[level.value] for level in ATTENTION)
    notable = await _notable(store, workspace_id, sub, start, now)
    shown = sum(1 for e in notable if e.severity in ATTENTION)
    return Digest(
        workspace_name=workspace_name,
        period_start=start,
        period_end=now,
        total=sum(sources.values()),
        per_source=_ranked(sources),
        per_type=_ranked(types)[:TOP_TYPES],
        by_severity={
            name: severities[name]
            for name in sorted(severities, key=_severity_rank)
            if severities[name]
        },
        notable=notable,
        # Counts go by receipt time, the listed events by occurrence: never below zero.
        more_notable=max(attention - shown, 0),
        frequency=sub.frequency,
        attention=attention,
        attention_query=_attention_query(sub, start, now),
    )


def _attention_query(sub: Subscription, start: datetime, end: datetime) -> dict[str, str]:
    """The feed's filters for the events needing attention in this digest: the least severe
    of them or worse, over the digest's period (the feed's range that covers it), of the
    source and type the subscription names when it names just one."""
    least = min(ATTENTION, key=lambda level: event_query.RANK[level])
    narrow = _narrowest_filter(sub, start, end)
    query = {"severity": event_query.or_worse(least.value)}
    span = end - start
    query["range"] = next(
        (name for name, width in FEED_RANGES if span <= width), FEED_RANGES[-1][0]
    )
    if narrow.source:
        query["source"] = narrow.source
    if narrow.type:
        query["type"] = narrow.type
    return query


async def _notable(
    store: Store, workspace_id: int, sub: Subscription, start: datetime, end: datetime
) -> list[Event]:
    """Attention-worthy events first (most severe, then newest), filled up with the newest."""
    base = _narrowest_filter(sub, start, end)
    found: list[Event] = []
    for level in ATTENTION:
        wanted = NOTABLE_LIMIT - len(found)
        if wanted <= 0:
            break
        level_filter = EventFilter(
            source=base.source, type=base.type, since=start, until=end, severity=level.value
        )
        found += await _newest(store, workspace_id, level_filter, wanted, sub, ())
    if len(found) < NOTABLE_LIMIT:
        taken = {e.id for e in found}
        found += await _newest(
            store, workspace_id, base, NOTABLE_LIMIT - len(found), sub, taken, ATTENTION
        )
    return found


async def _newest(
    store: Store,
    workspace_id: int,
    filters: EventFilter,
    wanted: int,
    sub: Subscription,
    taken: Collection[int],
    skip_severities: Collection[Severity] = (),
) -> list[Event]:
    """Up to `wanted` of the newest events the subscription wants, paging through the feed."""

    def accept(e: Event) -> bool:
        return (
            e.id not in taken
            and e.severity not in skip_severities
            # Replays repeat events already reported: left out unless the person asked.
            and sub.wants(e.source, e.type, e.severity.value, e.outcome or "", e.origin.value)
        )

    found: list[Event] = []
    before: int | None = None
    scanned = 0
    while len(found) < wanted and scanned < MAX_SCAN:
        page = await store.list_events(workspace_id, filters, PAGE, before_id=before)
        scanned += len(page)
        found += [e for e in page if accept(e)][: wanted - len(found)]
        if len(page) < PAGE:
            break
        before = page[-1].id
    return found


def _narrowest_filter(sub: Subscription, start: datetime, end: datetime) -> EventFilter:
    """Let the store narrow by source (and type) when the subscription names just one."""
    source = sub.sources[0] if len(sub.sources) == 1 else None
    type_ = None
    if len(sub.types) == 1:
        type_source, _, kind = sub.types[0].partition(":")
        if source in (None, type_source):
            source, type_ = type_source, kind
    return EventFilter(source=source, type=type_, since=start, until=end)


def _ranked(counts: Counter[str]) -> list[tuple[str, int]]:
    return sorted(((name, n) for name, n in counts.items() if n), key=lambda p: (-p[1], p[0]))


def _severity_rank(name: str) -> int:
    # Most severe first; an unknown name (a future level) goes last.
    return -_SEVERITY_ORDER.index(name) if name in _SEVERITY_ORDER else 1
