"""The alerts source: alert changes, built by the code that queues them, read as feed lines."""

from __future__ import annotations

import orjson
import pytest

from echodash.events import Category, Outcome, Severity
from echodash.sources import SignatureError, source_class
from echodash.sources.alerts import AlertsSource
from tests.sources.alerts.samples import DOCUMENTS, RESOLVED_AT, SAMPLES, T0


def test_registered_under_its_kind_and_its_receive_url_takes_nothing() -> None:
    assert source_class("alerts") is AlertsSource
    assert AlertsSource.name == "EchoDash alerts"
    for body in (b"{}", orjson.dumps(DOCUMENTS[0])):
        with pytest.raises(SignatureError) as refused:
            AlertsSource().verify({}, body, ["a-secret-of-its-own"])
        assert refused.value.reason == "internal_only"
        with pytest.raises(SignatureError):
            AlertsSource().verify({}, body, [])
    assert AlertsSource().delivery_id({}, b"{}") is None


def test_a_firing_alert_says_its_rule_why_and_its_service() -> None:
    [draft] = AlertsSource().parse(*SAMPLES[0])
    assert draft.type == "alert.firing"
    assert draft.title == (
        "Alert firing: Failed deploys — 5 or more within 10 min (github:acme/web)"
    )
    assert draft.severity is Severity.ERROR
    assert draft.category is Category.INCIDENT
    assert (draft.service, draft.outcome) == ("github:acme/web", Outcome.FAILURE)
    assert draft.subject == "Failed deploys" and draft.actor is None
    assert draft.url == "/alerts/42"
    assert draft.occurred_at == T0
    assert draft.fields == {
        "alert": 42,
        "rule": "Failed deploys",
        "events": 5,
        "suspect": "pushed to the same service 12 min before",
    }


def test_the_payload_keeps_no_secret_of_the_rule() -> None:
    raw = SAMPLES[0][1].decode()
    assert "whsec_" not in raw and "secret-path" not in raw


def test_a_rule_on_critical_events_fires_critical_and_an_ungrouped_alert_has_no_service() -> None:
    [draft] = AlertsSource().parse(*SAMPLES[2])
    assert draft.severity is Severity.CRITICAL
    assert draft.service is None
    assert draft.title.startswith("Alert firing: Critical errors — a matching event (muted")
    assert "suspect" not in draft.fields


def test_a_resolve_is_a_success_at_the_time_it_resolved() -> None:
    [draft] = AlertsSource().parse(*SAMPLES[1])
    assert draft.type == "alert.resolved"
    assert draft.title == "Alert resolved: Failed deploys (github:acme/web)"
    assert (draft.severity, draft.outcome) == (Severity.SUCCESS, Outcome.SUCCESS)
    assert draft.occurred_at == RESOLVED_AT


def test_changes_by_hand_name_who_made_them() -> None:
    [ack] = AlertsSource().parse(*SAMPLES[3])
    assert ack.type == "alert.acknowledged"
    assert ack.title == "Alert acknowledged by Ada: Failed deploys (github:acme/web)"
    assert (ack.severity, ack.outcome, ack.actor) == (Severity.INFO, None, "Ada")
    [resolved] = AlertsSource().parse(*SAMPLES[4])
    assert resolved.title == "Alert resolved by Grace: Critical errors"
    assert resolved.outcome is Outcome.SUCCESS


def test_an_alert_whose_rule_is_gone_still_reads() -> None:
    [draft] = AlertsSource().parse(*SAMPLES[5])
    assert draft.title == "Alert acknowledged: rule 7 (github:acme/web)"


def test_odd_deliveries_still_become_lines() -> None:
    source = AlertsSource()
    [other] = source.parse({}, orjson.dumps({"type": "alert.snoozed", "alert": {"id": 1}}))
    assert other.type == "alert.snoozed"
    [broken] = source.parse({}, orjson.dumps({"type": "alert.firing", "alert": "nope"}))
    assert broken.type == "alert.firing" and broken.title.startswith("Alert firing: a rule")
    [garbage] = source.parse({}, b"\xff not json")
    assert garbage.title
