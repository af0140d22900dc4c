"""How events and numbers read on a page: labels, relative times, feed rows, volume charts."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from echodash.events import Event, FieldValue, Origin, iso, shown_text, utcnow
from echodash.sources import source_classes
from echodash.web.source_assets import icon_id

KEY_FIELDS_SHOWN = 3


def source_label(kind: str) -> str:
    """The sender's own label (from its class); a made-up one for a kind not installed."""
    cls = source_classes().get(kind)
    return cls.name if cls is not None else kind.replace("_", " ").replace("-", " ").title()


def icon_for(kind: str) -> str:
    return icon_id(kind)


def iso_z(moment: datetime) -> str:
    return iso(moment)


def exact(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def ago(moment: datetime, now: datetime | None = None) -> str:
    """ "just now", "5m ago", "3h ago", "yesterday", "Nov 24" — as the page's script says it."""
    seconds = ((now or utcnow()) - moment).total_seconds()
    if seconds < 45:
        return "just now"
    if seconds < 3600:
        return f"{max(1, round(seconds / 60))}m ago"
    if seconds < 86400:
        return f"{round(seconds / 3600)}h ago"
    if seconds < 2 * 86400:
        return "yesterday"
    return f"{moment.astimezone(UTC):%b} {moment.astimezone(UTC).day}"


def number(value: int | float) -> str:
    return f"{value:,}" if isinstance(value, int) else f"{value:,.2f}"


def size(count: int) -> str:
    """A byte count as people read it: "740 bytes", "12.3 KB", "7.9 MB" (powers of 1000)."""
    if count < 1000:
        return f"{count:,} byte{'' if count == 1 else 's'}"
    if count < 1_000_000:
        return f"{count / 1000:.1f} KB"
    return f"{count / 1_000_000:.1f} MB"


@dataclass(frozen=True, slots=True)
class Row:
    """One feed line."""

    event: Event
    icon: str
    label: str
    group: str
    keys: list[tuple[str, str]]
    fingerprint: str


def group_key(event: Event) -> str:
    """Events that belong to one burst share this (same source, type, subject and outcome:
    a success never hides inside a burst of failures)."""
    # Where the outcome is not known, the severity stands for it (a failure is an error).
    outcome = event.outcome.value if event.outcome is not None else f"~{event.severity.value}"
    # A replay never hides inside a burst of the events it repeats.
    replay = ":replay" if event.origin is Origin.REPLAY else ""
    return f"{event.source}:{event.type}:{event.subject or ''}:{outcome}{replay}"


def shown_value(value: FieldValue) -> str:
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    text = shown_text(str(value))  # a value never turns the line around (U+202E)
    return text if len(text) <= 60 else text[:59] + "…"


def row(event: Event, field_choice: dict[str, tuple[str, ...]] | None = None) -> Row:
    fingerprint = f"{event.source}:{event.type}"
    wanted = (field_choice or {}).get(fingerprint)
    names = list(wanted) if wanted is not None else list(event.fields)[:KEY_FIELDS_SHOWN]
    keys = [(n, shown_value(event.fields[n])) for n in names if n in event.fields]
    return Row(
        event,
        icon_for(event.source),
        source_label(event.source),
        group_key(event),
        keys,
        fingerprint,
    )


@dataclass(frozen=True, slots=True)
class VolumeBar:
    x: float
    width: float
    accepted_y: float
    accepted_h: float
    refused_y: float
    refused_h: float
    title: str  # the bucket's figures, in words (shown on hover)


@dataclass(frozen=True, slots=True)
class VolumeChart:
    bars: list[VolumeBar]
    peak: int  # the tallest bucket (accepted + refused), the chart's scale
    accepted: int
    refused: int


def volume_chart(
    accepted: list[int], refused: list[int], hours_ago: int, width: int = 120, height: int = 28
) -> VolumeChart:
    """Hourly bars, refused stacked on accepted, on one scale: a quiet day with one busy hour
    still shows each hour's own bar (a line chart flattens everything but the spike)."""
    n = max(len(accepted), len(refused))
    accepted = accepted + [0] * (n - len(accepted))
    refused = refused + [0] * (n - len(refused))
    peak = max((a + r for a, r in zip(accepted, refused, strict=True)), default=0)
    scale = (height - 2) / peak if peak else 0.0
    step = width / n if n else width
    bars = []
    for i, (a, r) in enumerate(zip(accepted, refused, strict=True)):
        # A bucket with anything in it is at least a sliver high, so no hour looks empty by
        # rounding.
        a_h = max(a * scale, 1.0) if a else 0.0
        r_h = max(r * scale, 1.0) if r else 0.0
        ago = hours_ago * (n - i) // n if n else 0
        when = f"{ago} h ago" if ago > 1 else "the last hour"
        bars.append(
            VolumeBar(
                x=round(i * step + 0.5, 2),
                width=round(max(step - 1, 0.5), 2),
                accepted_y=round(height - a_h, 2),
                accepted_h=round(a_h, 2),
                refused_y=round(height - a_h - r_h, 2),
                refused_h=round(r_h, 2),
                title=f"{when}: {a:,} accepted, {r:,} refused",
            )
        )
    return VolumeChart(bars, peak, sum(accepted), sum(refused))
