"""Cloudflare's payload reader: one notification (`alert_type`, `alert_event`, `data`…)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from echodash.sources.kit.payload import PayloadReader, dig, line

TEST_TYPE = "test"


@dataclass(frozen=True, slots=True)
class Payload(PayloadReader):
    """One Cloudflare notification and its alert-specific `data`."""

    body: dict[str, Any]

    @property
    def type(self) -> str:
        """`alert_type`; the test message is `test`; else the policy name."""
        found = line(self.body.get("alert_type"), 100)
        if found:
            return found
        if self.is_test:
            return TEST_TYPE
        return line(self.body.get("name"), 100) or "notification"

    @property
    def is_test(self) -> bool:
        """The message "Save and Test" sends: only a `text` saying hello."""
        message = self.body.get("text")
        if not isinstance(message, str):
            return False
        others = set(self.body) - {"text"}
        return message.strip().lower().startswith("hello world") and not (
            others & {"alert_type", "alert_event", "data", "policy_id"}
        )

    @property
    def state(self) -> str | None:
        """`START` or `END` from `alert_event` (`ALERT_STATE_EVENT_START` or plain `START`)."""
        raw = line(self.body.get("alert_event"), 100)
        if not raw:
            return None
        state = raw.upper().removeprefix("ALERT_STATE_EVENT_")
        return state if state in ("START", "END") else raw.upper()

    @property
    def suffix(self) -> str:
        return f" ({self.state})" if self.state else ""

    @property
    def policy(self) -> str | None:
        return line(self.body.get("policy_name"), 100) or line(self.body.get("name"), 100)

    @property
    def message(self) -> str | None:
        return line(self.body.get("text"), 500)

    def data(self, *keys: str, limit: int = 200) -> str | None:
        """The first of `keys` in the alert's `data` that holds text."""
        data = self.body.get("data")
        if not isinstance(data, dict):
            return None
        return next((found for key in keys if (found := line(dig(data, key), limit))), None)

    @property
    def zone(self) -> str | None:
        """The zone (domain) the alert names, if it names one."""
        return self.data("zone_name", "zone", "target_zone_name")

    @property
    def place(self) -> str | None:
        """The zone, else the hostname or domain the alert is about."""
        return self.zone or self.data("target_hostname", "hostname", "domain")

    @property
    def subject(self) -> str | None:
        return self.place

    @property
    def service(self) -> str | None:
        """`cloudflare:<zone name>`, where the alert names a zone."""
        return f"cloudflare:{self.zone}" if self.zone else None

    def status_words(self) -> str:
        status = self.data("status", "new_health", "event", "event_type", "state", "reason")
        return " ".join((status or "").lower().split())

    def home(self) -> str | None:
        return self.link("data.dashboard_link", "data.dashboard_url", "data.link")
