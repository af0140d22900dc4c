"""Each metric as a tidy table for spreadsheets (`?format=csv` on the metrics API).

One table per metric, one row per observation, its first row naming the columns:

- DORA: `metric,value,unit,band,count`, a row per number (`count`: how many deployments,
  changes or resolved incidents the value is worked out over);
- revenue: `section,date,metric,value,currency`: the summary numbers, the movements, a
  `series` row for each day's MRR, and `month` rows (date `2026-10`) with each calendar
  month's `mrr_start`, movements and `mrr_end`;
- active users: `date,dau,wau,mau`;
- retention: `cohort,size,<period>_0,<period>_1,…` (a row per cohort);
- funnel: `step,event,count,conversion,median_seconds_from_previous`;
- time to value, NPS and CSAT: their numbers in one row.

Spreadsheet-safe: a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return
(which a spreadsheet would run as a formula) gets a leading `'` (OWASP's advice against CSV
injection); numbers stay numbers. Empty cells stand for no value (JSON's null).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from typing import Any

from echodash.metrics.dora import Dora

Row = list[Any]
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """One value as CSV text, defused when a spreadsheet would take it for a formula."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value) if isinstance(value, float) else str(value)
    text = str(value)
    if text.startswith(_FORMULA) or text.lstrip(" ").startswith(_FORMULA):
        return "'" + text
    return text


def to_csv(rows: Sequence[Row]) -> str:
    """RFC 4180 CSV (CRLF line ends, quotes where needed)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for row in rows:
        writer.writerow([cell(value) for value in row])
    return out.getvalue()


def dora_table(result: Dora) -> list[Row]:
    found = result.to_json()
    deployments = len(result.deployments)
    changes = len(result.changes)
    frequency = found["deployment_frequency"]
    lead = found["lead_time_minutes"]
    cfr = found["change_failure_rate"]
    recovery = found["recovery_time_minutes"]
    return [
        ["metric", "value", "unit", "band", "count"],
        ["deployments", frequency["count"], "deployments", None, deployments],
        [
            "deployment_frequency",
            frequency["per_week"],
            "deployments per week",
            frequency["band"],
            deployments,
        ],
        ["lead_time_median", lead["median"], "minutes", lead["band"], changes],
        ["lead_time_p90", lead["p90"], "minutes", None, changes],
        ["change_failure_rate", cfr["value"], "fraction", cfr["band"], deployments],
        [
            "recovery_time_median",
            recovery["median"],
            "minutes",
            recovery["band"],
            len(result.recovered),
        ],
        ["rework_rate", found["rework_rate"]["value"], "fraction", None, deployments],
    ]


_REVENUE_SUMMARY: tuple[tuple[str, Callable[[dict[str, Any]], Any]], ...] = (
    ("mrr_start", lambda f: f["mrr"]["start"]),
    ("mrr_end", lambda f: f["mrr"]["end"]),
    ("customers_start", lambda f: f["customers"]["start"]),
    ("customers_end", lambda f: f["customers"]["end"]),
    ("customers_churned", lambda f: f["customers"]["churned"]),
    ("customer_churn_rate", lambda f: f["customer_churn_rate"]),
    ("gross_mrr_churn", lambda f: f["gross_mrr_churn"]),
    ("net_mrr_churn", lambda f: f["net_mrr_churn"]),
    ("arpa", lambda f: f["arpa"]),
    ("ltv", lambda f: f["ltv"]),
    ("trial_conversion", lambda f: f["trial_conversion"]),
)


def revenue_table(found: dict[str, Any]) -> list[Row]:
    currency = found["currency"]
    rows: list[Row] = [["section", "date", "metric", "value", "currency"]]
    rows += [["summary", None, name, get(found), currency] for name, get in _REVENUE_SUMMARY]
    rows += [
        ["movement", None, name, value, currency] for name, value in found["movements"].items()
    ]
    rows += [["series", p["date"], "mrr", p["mrr"], currency] for p in found["series"]]
    for month in found.get("months", []):
        values = [
            ("mrr_start", month["mrr"]["start"]),
            *month["movements"].items(),
            ("mrr_end", month["mrr"]["end"]),
        ]
        rows += [["month", month["month"], name, value, currency] for name, value in values]
    return rows


def product_table(found: dict[str, Any]) -> list[Row]:
    rows: list[Row] = [["date", "dau", "wau", "mau"]]
    for dau, wau, mau in zip(found["dau"], found["wau"], found["mau"], strict=True):
        rows.append([dau["date"], dau["value"], wau["value"], mau["value"]])
    return rows


def retention_table(found: dict[str, Any]) -> list[Row]:
    cohorts = found["cohorts"]
    span = max((len(c["retained"]) for c in cohorts), default=1)
    rows: list[Row] = [["cohort", "size", *(f"{found['period']}_{n}" for n in range(span))]]
    for cohort in cohorts:
        retained = cohort["retained"]
        rows.append(
            [cohort["start"], cohort["size"], *retained, *([None] * (span - len(retained)))]
        )
    return rows


def funnel_table(found: dict[str, Any]) -> list[Row]:
    rows: list[Row] = [["step", "event", "count", "conversion", "median_seconds_from_previous"]]
    for n, step in enumerate(found["steps"], start=1):
        rows.append(
            [
                n,
                step["event"],
                step["count"],
                step["conversion"],
                step["median_seconds_from_previous"],
            ]
        )
    return rows


def flat_table(found: dict[str, Any]) -> list[Row]:
    """A metric of a few numbers (time to value, NPS, CSAT): their names, then one row."""
    return [list(found), list(found.values())]
