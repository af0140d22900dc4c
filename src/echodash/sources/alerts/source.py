"""`alerts`: EchoDash's own alerts in the feed. Each opened, resolved and acknowledged alert is
a delivery of the workspace's `alerts` endpoint (made on first use), stored by EchoDash itself
(echodash/alerts/feed_items.py), never by a receive URL."""

from __future__ import annotations

from echodash.events import EventDraft
from echodash.sources._base import Guide, Source
from echodash.sources.alerts.reader import AlertNotice
from echodash.sources.alerts.titles import TITLES
from echodash.sources.kit.payload import load_json_quietly, not_an_object
from echodash.sources.kit.signatures import Headers, SecretTest, SignatureError


class AlertsSource(Source):
    """The alerts EchoDash opens: the feed's record of them."""

    kind = "alerts"
    name = "EchoDash alerts"
    order = 130
    icon = (
        '<path d="M12 1.8 23 21.5H1z" fill="currentColor" stroke-linejoin="round"/>'
        '<path d="M12 9v5.5" fill="none" style="stroke:var(--src-ink,#fff)" stroke-width="2.2" '
        'stroke-linecap="round"/><circle cx="12" cy="18" r="1.3" '
        'style="fill:var(--src-ink,#fff)"/>'
    )
    colour = ("#b91c1c", "#f87171")
    guide = Guide(
        "Nothing to set up: EchoDash writes these itself (Alerts)",
        (
            "Every alert your rules open, and every resolve and acknowledgement, shows up in "
            "the feed under this source.",
            "Its receive URL refuses every delivery: nothing outside EchoDash can write here.",
        ),
    )
    requires_secret = False
    titles = TITLES

    def signed_with(self, headers: Headers, body: bytes) -> SecretTest:
        # Alerts are written by EchoDash itself; from outside, this URL takes nothing, so
        # knowing it cannot put a fake alert in the feed.
        raise SignatureError("internal_only", "alert events are written by EchoDash itself")

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        return None

    def read(self, headers: Headers, body: bytes) -> AlertNotice | None:
        document = load_json_quietly(headers, body)
        return AlertNotice(document) if isinstance(document, dict) else None

    def unreadable(self, headers: Headers, body: bytes) -> EventDraft:
        return not_an_object("EchoDash alerts", load_json_quietly(headers, body))
