"""Whether a connected tool needs a look: gone quiet, or having its deliveries refused.

Shown on the feed's at-a-glance strip and on the Sources page, so a broken webhook stands out
before anyone wonders why its events stopped.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

from echodash.store.base import EndpointStats

# A tool that delivered before and has sent nothing for this long has gone quiet.
QUIET_AFTER = timedelta(hours=24)
# Refusals this recent, with no accepted delivery since, mean its deliveries are refused.
REFUSING_WITHIN = timedelta(hours=24)

State = Literal["ok", "new", "quiet", "refusing"]


@dataclass(frozen=True, slots=True)
class Health:
    state: State
    note: str  # in words, for the tooltip and the screen reader

    @property
    def stands_out(self) -> bool:
        return self.state in ("quiet", "refusing")


def health_of(stats: EndpointStats, now: datetime) -> Health:
    refused_at = stats.last_rejection_at
    delivered_at = stats.last_delivery_at
    if (
        refused_at is not None
        and now - refused_at < REFUSING_WITHIN
        and (delivered_at is None or refused_at > delivered_at)
    ):
        reason = max(stats.rejections.items(), key=lambda kv: kv[1])[0] if stats.rejections else ""
        why = f" ({reason.replace('_', ' ')})" if reason else ""
        return Health("refusing", f"its deliveries are being refused{why}")
    if delivered_at is None:
        return Health("new", "no delivery yet")
    if now - delivered_at >= QUIET_AFTER:
        return Health("quiet", f"quiet: nothing for {_span(now - delivered_at)}")
    return Health("ok", "delivering")


def _span(gap: timedelta) -> str:
    days = gap.days
    if days >= 1:
        return f"{days} day{'s' if days != 1 else ''}"
    hours = int(gap.total_seconds() // 3600)
    return f"{hours} hour{'s' if hours != 1 else ''}"
