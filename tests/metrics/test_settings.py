"""A workspace's metric settings: defaults, changes, and the error for each mistake."""

from __future__ import annotations

import pytest

from echodash.metrics.settings import MetricSettings, SettingsError, parse_settings


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
    ],
)
def test_mistakes_name_their_field(document: dict[str, object], field: str) -> None:
    with pytest.raises(SettingsError) as refused:
        parse_settings(document)
    assert refused.value.field == field
