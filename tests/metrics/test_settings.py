"""A workspace's metric settings: defaults, changes, and the error for each mistake."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest

from echodash.metrics.dora import Settings, is_production
from echodash.metrics.facts import facts_of
from echodash.metrics.settings import MetricSettings, SettingsError, parse_settings
from tests.alerts.events import event

T0 = datetime(2026, 11, 2, tzinfo=UTC)


def test_defaults_and_partial_changes() -> None:
    assert parse_settings({}).to_json() == {
        "production_environment": "(?i)prod",
        "incident_label": "(?i)incident",
        "timezone": "UTC",
        "currency": None,
    }
    changed = parse_settings({"timezone": "Europe/Berlin", "currency": "EUR"})
    assert (changed.timezone, changed.currency) == ("Europe/Berlin", "eur")
    again = parse_settings({"production_environment": "^live$"}, changed)
    assert (again.production, again.timezone) == ("^live$", "Europe/Berlin")
    assert again.zone.key == "Europe/Berlin"
    assert parse_settings({"currency": None}, changed).currency is None
    assert MetricSettings().zone.key == "UTC"


@pytest.mark.parametrize(
    ("document", "field"),
    [
        ({"production_environment": "("}, "production_environment"),
        ({"incident_label": ""}, "incident_label"),
        ({"timezone": "Moon/Base"}, "timezone"),
        ({"currency": "dollars"}, "currency"),
        ({"colour": "red"}, "colour"),
        ({"incident_label": "(?<=sev)1"}, "incident_label"),  # RE2 has no look-behind
        ({"production_environment": "prod\x00"}, "production_environment"),
        ({"timezone": "../../etc/passwd"}, "timezone"),
        ({"timezone": 5}, "timezone"),
    ],
)
def test_mistakes_name_their_field(document: dict[str, object], field: str) -> None:
    with pytest.raises(SettingsError) as refused:
        parse_settings(document)
    assert refused.value.field == field


def test_patterns_run_in_linear_time() -> None:
    # A pattern that makes a backtracking engine take forever is harmless here (RE2).
    settings = parse_settings({"incident_label": "(a+)+$", "production_environment": "(x+x+)+y"})
    started = time.monotonic()
    found = facts_of(
        event("issues.opened", source="github", at=T0),
        {
            "action": "opened",
            "issue": {"number": 1, "labels": [{"name": "a" * 5000 + "!"}]},
            "repository": {"full_name": "acme/web"},
        },
        settings.incident_label,
    )  # fmt: skip
    assert found == []
    assert not is_production("x" * 5000, Settings(production=settings.production))
    assert time.monotonic() - started < 5
