"""A dashboard number as the page shows it: the figure in words, its DORA band, what it
means and the count behind it (the hover text), and the link to the events it came from."""

from __future__ import annotations

from dataclasses import dataclass

from echodash.web.metric_notes import DEFINITIONS

CURRENCY_SIGNS = {"usd": "$", "eur": "€", "gbp": "£", "jpy": "¥", "inr": "₹"}
# Currencies without minor units (Stripe's list of zero-decimal currencies, the common ones).
ZERO_DECIMAL = {"jpy", "krw", "vnd", "clp", "isk", "ugx", "xaf", "xof"}


@dataclass(frozen=True, slots=True)
class Figure:
    metric: str
    label: str
    value: str
    behind: str  # "from 12 deployments": the count the number was computed from
    band: str | None = None
    detail: str = ""  # a second, quieter line ("1.6 per week", "p90 2 d")
    href: str | None = None

    @property
    def hint(self) -> str:
        """The hover text: the definition and the count behind the number."""
        definition = DEFINITIONS.get(self.metric, "")
        return f"{definition} Computed {self.behind}." if self.behind else definition

    @property
    def empty(self) -> bool:
        return self.value == "—"


def plural(count: int, word: str, many: str | None = None) -> str:
    return f"{count:,} {word if count == 1 else (many or word + 's')}"


def duration(minutes: float | None) -> str:
    """A duration as people say it: 45 min, 3.5 h, 2.1 d."""
    if minutes is None:
        return "—"
    if minutes < 90:
        return f"{minutes:.0f} min"
    hours = minutes / 60
    if hours < 36:
        return f"{hours:.1f} h"
    return f"{hours / 24:.1f} d"


def seconds(value: float | None) -> str:
    return "—" if value is None else duration(value / 60)


def percent(fraction: float | None, places: int = 1) -> str:
    return "—" if fraction is None else f"{fraction * 100:.{places}f} %"


def money(minor: float | None, currency: str) -> str:
    """Minor units (cents) as money: $1,234.56, €80.00, ¥500; other currencies by code."""
    if minor is None:
        return "—"
    code = currency.lower()
    amount = minor if code in ZERO_DECIMAL else minor / 100
    places = 0 if code in ZERO_DECIMAL else 2
    sign = "\u2212" if amount < 0 else ""
    text = f"{abs(amount):,.{places}f}"
    symbol = CURRENCY_SIGNS.get(code)
    return f"{sign}{symbol}{text}" if symbol else f"{sign}{text} {code.upper()}"


def major(minor: float, currency: str) -> float:
    """Minor units as the currency's main unit (what chart axes show)."""
    return float(minor) if currency.lower() in ZERO_DECIMAL else minor / 100
