"""Revenue's waterfall, month by month: MRR at the range's start, then for each calendar month
(the workspace's) its new, expansion, reactivation, contraction and churn bars and its
end-of-month MRR, which the next month starts from; and the same months as table rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, tzinfo

from markupsafe import Markup

from echodash.metrics.revenue import Month
from echodash.web import charts
from echodash.web.charts import Step
from echodash.web.dashboard_figures import major, money

# The order the bars of a month come in: what adds, then what takes away.
KINDS = (
    ("new", "New", 1),
    ("expansion", "Expansion", 1),
    ("reactivation", "Reactivation", 1),
    ("contraction", "Contraction", -1),
    ("churn", "Churn", -1),
)


@dataclass(frozen=True, slots=True)
class MonthRow:
    """One month as the table under the chart shows it (amounts as money)."""

    month: str  # "January 2026"
    start: str
    moves: tuple[str, ...]  # in KINDS order, signed
    end: str
    partial: bool  # the range starts or ends inside it


def _name(month: Month) -> str:
    return f"{month.month:%B %Y}"


def _short(month: Month) -> str:
    return f"{month.month:%b %Y}"


def steps(months: Sequence[Month], currency: str) -> list[Step]:
    """Start, then per month its five movements and its end (labels unique per month)."""
    if not months:
        return []
    first = months[0]
    found = [
        Step(
            "Start",
            major(first.start, currency),
            f"MRR at the start ({first.since:%b} {first.since.day}): "
            f"{money(first.start, currency)}",
            total=True,
        )
    ]
    for month in months:
        for key, label, sign in KINDS:
            amount = getattr(month, key) * sign
            found.append(
                Step(
                    f"{_short(month)} {key}",
                    major(amount, currency),
                    f"{_name(month)} · {label}: {money(amount, currency)}",
                )
            )
        found.append(
            Step(
                _short(month),
                major(month.end, currency),
                f"MRR at the end of {_name(month)}: {money(month.end, currency)} "
                f"(from {money(month.start, currency)})",
                total=True,
            )
        )
    return found


def chart(months: Sequence[Month], currency: str) -> Markup:
    found = steps(months, currency)
    # The axis names the month ends only; each bar's tooltip says what it is.
    ends = [s.label for s in found if s.total]
    return charts.waterfall(
        f"MRR movements month by month ({currency.upper()})", found, major_labels=ends
    )


def _is_partial(month: Month, zone: tzinfo) -> bool:
    """Whether the range cuts the month (it starts after the 1st or ends before the next)."""
    first = month.month
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    begins = datetime(first.year, first.month, 1, tzinfo=zone)
    ends = datetime(following.year, following.month, 1, tzinfo=zone)
    return month.since != begins or month.until != ends


def rows(months: Sequence[Month], currency: str, zone: tzinfo) -> list[MonthRow]:
    """The table's rows, the months the range cuts marked as partial."""
    return [
        MonthRow(
            _name(month),
            money(month.start, currency),
            tuple(money(getattr(month, key) * sign, currency) for key, _l, sign in KINDS),
            money(month.end, currency),
            _is_partial(month, zone),
        )
        for month in months
    ]
