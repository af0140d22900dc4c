"""Metrics as CSV tables (metrics/export.py): RFC 4180, and no cell a spreadsheet would run."""

from __future__ import annotations

import csv
import io

import pytest

from echodash.metrics import export


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        ("=1+1", "'=1+1"),
        ("+SUM(A1:A9)", "'+SUM(A1:A9)"),
        ("-2+3", "'-2+3"),
        ("@cmd", "'@cmd"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("  =1", "'  =1"),
        ("a=1", "a=1"),
        ("2026-10-01", "2026-10-01"),
        (-200, "-200"),
        (-0.25, "-0.25"),
        (None, ""),
        (True, "true"),
    ],
)
def test_cells_that_would_run_as_formulas_are_defused(value: object, shown: str) -> None:
    assert export.cell(value) == shown


def test_tables_are_rfc_4180() -> None:
    text = export.to_csv([["event", "count"], ['say "hi", then', 3], ["=x", None]])
    assert text == 'event,count\r\n"say ""hi"", then",3\r\n\'=x,\r\n'
    assert list(csv.reader(io.StringIO(text))) == [
        ["event", "count"],
        ['say "hi", then', "3"],
        ["'=x", ""],
    ]


def test_retention_rows_are_as_wide_as_the_longest_cohort() -> None:
    found = {
        "period": "week",
        "cohorts": [
            {"start": "2026-10-05", "size": 2, "retained": [2, 1, 0]},
            {"start": "2026-10-12", "size": 1, "retained": [1]},
        ],
    }
    assert export.retention_table(found) == [
        ["cohort", "size", "week_0", "week_1", "week_2"],
        ["2026-10-05", 2, 2, 1, 0],
        ["2026-10-12", 1, 1, None, None],
    ]
    assert export.retention_table({"period": "day", "cohorts": []}) == [["cohort", "size", "day_0"]]
