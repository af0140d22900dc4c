"""Rendering a digest: subject, plain text and HTML, with user data escaped."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from echodash.digest.render import render_email
from echodash.digest.summary import Digest
from echodash.events import Event, Severity

END = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
EVIL = "<script>alert(1)</script> & friends"


def _event(event_id: int, title: str, severity: Severity = Severity.INFO) -> Event:
    return Event(
        id=event_id,
        workspace_id=1,
        endpoint_id=1,
        delivery_id=event_id,
        source="github",
        type="push",
        title=title,
        summary="",
        actor=None,
        subject=None,
        url=None,
        occurred_at=END - timedelta(hours=event_id),
        received_at=END - timedelta(hours=event_id),
        severity=severity,
        tags=(),
        fields={},
    )


def _digest(**changes: object) -> Digest:
    digest = Digest(
        workspace_name="Acme",
        period_start=END - timedelta(days=1),
        period_end=END,
        total=42,
        per_source=[("github", 40), ("stripe", 2)],
        per_type=[("github:push", 30), ("github:star.created", 10), ("stripe:charge.failed", 2)],
        by_severity={"error": 3, "info": 39},
        notable=[_event(7, EVIL, Severity.ERROR), _event(8, "deploy done")],
        more_notable=2,
        frequency="daily",
        attention=3,
    )
    for name, value in changes.items():
        setattr(digest, name, value)
    return digest


def test_subject_names_the_workspace_total_and_attention() -> None:
    subject, _, _ = render_email(_digest(), "https://hooks.example.com", "Ada")
    assert subject == "EchoDash daily digest — Acme: 42 events (3 need attention)"
    quiet, _, _ = render_email(
        _digest(total=1, attention=0, frequency="weekly", workspace_name="Side\nproject"),
        "https://x",
        "Ada",
    )
    assert quiet == "EchoDash weekly digest — Side project: 1 event"


def test_titles_are_escaped_in_html_and_readable_in_text() -> None:
    _, text, html = render_email(_digest(), "https://hooks.example.com/", "Ada <ops>")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; friends" in html
    assert "Ada &lt;ops&gt;" in html
    assert f"[ERROR] {EVIL}" in text
    assert "Hi Ada <ops>," in text
    assert "&lt;" not in text and "&amp;" not in text


def test_links_point_at_events_and_the_settings_page() -> None:
    _, text, html = render_email(_digest(), "https://hooks.example.com/", "Ada")
    assert 'href="https://hooks.example.com/events/7"' in html
    assert 'href="https://hooks.example.com/settings/notifications"' in html
    assert "https://hooks.example.com/events/8" in text
    assert "Change or stop this digest: https://hooks.example.com/settings/notifications" in text
    assert "2 more needing attention" in text and "2 more needing attention" in html


def test_counts_per_source_type_and_severity() -> None:
    _, text, html = render_email(_digest(), "https://x", "Ada")
    lines = text.splitlines()
    assert any(line.split() == ["github", "40"] for line in lines)
    assert any(line.split() == ["stripe", "2"] for line in lines)
    assert any(line.split() == ["github:star.created", "10"] for line in lines)
    assert any(line.split() == ["error", "3"] for line in lines)
    # The bars are sized against the busiest source.
    assert 'width="100%" height="10"' in html
    assert 'width="5%" height="10"' in html
    assert "Nov 25, 09:00 UTC \N{EN DASH} Nov 26, 09:00 UTC" in text


def test_an_empty_digest_still_renders() -> None:
    subject, text, html = render_email(
        _digest(
            total=0,
            per_source=[],
            per_type=[],
            by_severity={},
            notable=[],
            more_notable=0,
            attention=0,
        ),
        "https://x",
        "Ada",
    )
    assert subject.endswith("Acme: 0 events")
    assert "0 events in Acme." in text and "By source" not in text
    assert "By source" not in html and "</html>" in html
