"""Cloudflare Notifications webhooks: a shared-secret header, and readable alert events.

Cloudflare sends no delivery id and signs nothing: the `cf-webhook-auth` header carries the
destination's secret itself, and the dedup key is a hash of the body. Alerts that open and
close an incident arrive as a START and an END carrying the same `alert_correlation_id`.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable, Sequence
from typing import Any

from echodash.events import EventDraft, FieldValue, Severity
from echodash.sources.base import Guide, Headers, SignatureError, Source, body_hash_key
from echodash.sources.payload import (
    dig,
    load_json_quietly,
    not_an_object,
    parse_time,
    text,
)

logger = logging.getLogger(__name__)

AUTH_HEADER = "cf-webhook-auth"
TEST_TYPE = "test"
_ORIGIN = frozenset(
    {
        "health_check_status_notification",
        "real_origin_monitoring",
        "load_balancing_health_alert",
        "load_balancing_pool_enablement_alert",
        "http_alert_origin_error",
    }
)
_DDOS = frozenset(
    {
        "dos_attack_l7",
        "dos_attack_l4",
        "advanced_ddos_attack_l7_alert",
        "advanced_ddos_attack_l4_alert",
    }
)
_SSL = frozenset(
    {
        "universal_ssl_event_type",
        "dedicated_ssl_certificate_event_type",
        "custom_ssl_certificate_event_type",
        "zone_aop_custom_certificate_expiration_type",
        "access_custom_certificate_expiration_type",
    }
)
_WORKERS = frozenset({"workers_alert", "workers_observability_alert"})
_USAGE = frozenset({"billing_usage_alert"})
_BAD_WORDS = ("fail", "error", "unhealthy", "down", "invalid", "revoked", "unreachable")
_GOOD_WORDS = ("healthy", "issued", "active", "renewed", "deployed", "success", "resolved")


class CloudflareSource(Source):
    """Notification webhook destinations of a Cloudflare account."""

    kind = "cloudflare"
    name = "Cloudflare"
    order = 40
    icon = (
        '<path d="M6.5 19.5a5 5 0 0 1-.6-9.96A6.5 6.5 0 0 1 18.4 9a4.3 4.3 0 0 1-.3 10.5z" '
        'fill="currentColor"/>'
        '<path d="M8 15.5h8.5" fill="none" style="stroke:var(--src-ink,#fff)" stroke-width="2" '
        'stroke-linecap="round"/>'
    )
    colour = ("#d9681a", "#f59e4f")
    guide = Guide(
        "Dashboard → Notifications → Destinations → Webhooks → Create",
        (
            "URL: {url}",
            "Secret: {secret}",
            "Save and Test: the test message appears in the feed.",
            "Then attach the destination to the notifications you want (origin health, "
            "DDoS, SSL, Workers, usage…).",
        ),
    )
    # The header is the secret itself: it is dropped before the delivery is stored.
    secret_headers = frozenset({AUTH_HEADER})

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        """Compare `cf-webhook-auth` with each active secret, in constant time."""
        header = headers.get(AUTH_HEADER)
        if not isinstance(header, str) or not header.strip():
            raise SignatureError(
                "missing_signature",
                "the cf-webhook-auth header is missing; set a secret on the Cloudflare webhook",
            )
        try:
            presented = header.strip().encode("utf-8", "surrogatepass")
        except Exception:  # anything odd about the header is a refusal, not an error
            raise SignatureError("bad_signature", "cf-webhook-auth is not readable") from None
        matched: int | None = None
        # Every secret is compared, so the time taken does not tell which one matched.
        for index, secret in enumerate(secrets):
            if not isinstance(secret, str) or not secret:
                continue  # an empty secret would accept an empty header
            key = secret.encode("utf-8", "surrogatepass")
            if hmac.compare_digest(presented, key) and matched is None:
                matched = index
        if matched is None:
            raise SignatureError(
                "bad_signature", "cf-webhook-auth does not match any active secret"
            )
        return matched

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        # Cloudflare sends no id: identical bodies (same alert, same `ts`) are one delivery.
        return body_hash_key(body)

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        """One draft per delivery; never raises, whatever the bytes and headers."""
        document = load_json_quietly(headers, body)
        if not isinstance(document, dict):
            return [not_an_object("Cloudflare", document, "a notification")]
        alert_type = event_type(document)
        try:
            return [_draft(alert_type, document)]
        except Exception:  # an unexpected payload shape: a generic title still shows it
            logger.debug("cloudflare %s: title failed", alert_type, exc_info=True)
            return [EventDraft(type=alert_type, title=f"Cloudflare alert: {alert_type}")]


def event_type(document: dict[str, Any]) -> str:
    """`alert_type`; the test message is `test`; else the policy name."""
    found = text(document.get("alert_type"), 100)
    if found:
        return found
    if is_test(document):
        return TEST_TYPE
    return text(document.get("name"), 100) or "notification"


def is_test(document: dict[str, Any]) -> bool:
    """The message "Save and Test" sends: only a `text` saying hello."""
    message = document.get("text")
    if not isinstance(message, str):
        return False
    others = set(document) - {"text"}
    return message.strip().lower().startswith("hello world") and not (
        others & {"alert_type", "alert_event", "data", "policy_id"}
    )


def alert_state(document: dict[str, Any]) -> str | None:
    """`START` or `END` from `alert_event` (`ALERT_STATE_EVENT_START` or plain `START`)."""
    raw = text(document.get("alert_event"), 100)
    if not raw:
        return None
    state = raw.upper().removeprefix("ALERT_STATE_EVENT_")
    return state if state in ("START", "END") else raw.upper()


class _Alert:
    """The parts of one alert that titles are made from."""

    def __init__(self, alert_type: str, document: dict[str, Any]) -> None:
        self.type = alert_type
        self.document = document
        data = document.get("data")
        self.data: dict[str, Any] = data if isinstance(data, dict) else {}
        self.state = alert_state(document)
        self.policy = text(document.get("policy_name"), 100) or text(document.get("name"), 100)
        self.message = text(document.get("text"), 500)

    def get(self, *keys: str, limit: int = 200) -> str | None:
        for key in keys:
            found = text(dig(self.data, key), limit)
            if found:
                return found
        return None

    @property
    def zone(self) -> str | None:
        return self.get(
            "zone_name", "zone", "target_zone_name", "target_hostname", "hostname", "domain"
        )

    @property
    def suffix(self) -> str:
        return f" ({self.state})" if self.state else ""

    def status_words(self) -> str:
        return " ".join(
            (self.get("status", "new_health", "event", "event_type", "state", "reason") or "")
            .lower()
            .split()
        )


Title = tuple[str, Severity, str | None]  # title, severity, subject


def _origin(alert: _Alert) -> Title:
    pool = alert.get("pool_name", "pool")
    label = (
        f"pool {pool}"
        if pool
        else alert.get("name", "health_check_name", "origin_name", "origin")
        or alert.zone
        or "origin"
    )
    status = alert.status_words()
    recovered = alert.state == "END" or (
        status.startswith("healthy") or status in ("up", "recovered")
    )
    if recovered:
        return f"Origin health check recovered: {label}{alert.suffix}", Severity.SUCCESS, label
    return f"Origin health check failed: {label}{alert.suffix}", Severity.ERROR, label


def _ddos(alert: _Alert) -> Title:
    zone = alert.zone or alert.get("account_name") or "your account"
    vector = alert.get("attack_vector", "rule_description", limit=80)
    detail = f" ({vector})" if vector else ""
    if alert.state == "END":
        return f"DDoS attack on {zone} ended{detail}", Severity.SUCCESS, zone
    return f"DDoS attack mitigated on {zone}{detail}", Severity.WARNING, zone


def _ssl(alert: _Alert) -> Title:
    zone = alert.get("hostname", "common_name") or alert.zone or "a hostname"
    status = alert.status_words()
    what = f": {status}" if status else ""
    if any(word in status for word in _BAD_WORDS):
        severity = Severity.ERROR
    elif "expir" in status or "expir" in alert.type:
        severity = Severity.WARNING
    elif any(word in status for word in _GOOD_WORDS):
        severity = Severity.SUCCESS
    else:
        severity = Severity.INFO
    return f"SSL certificate for {zone}{what}{alert.suffix}", severity, zone


def _workers(alert: _Alert) -> Title:
    script = alert.get("script_name", "script", "worker", "service", "name")
    where = f" for {script}" if script else ""
    severity = Severity.SUCCESS if alert.state == "END" else Severity.ERROR
    return f"Workers alert{where}{alert.suffix}", severity, script


def _usage(alert: _Alert) -> Title:
    product = alert.get("product", "metric", "usage_type", limit=100) or alert.policy
    limit = alert.get("limit", "threshold", "budget", limit=50)
    what = f" for {product}" if product else ""
    reached = f" (limit {limit})" if limit else ""
    return f"Usage alert{what}{reached}", Severity.WARNING, product


def _other(alert: _Alert) -> Title:
    label = alert.policy or alert.type
    if label == alert.type and alert.message:
        label = f"{alert.type}: {alert.message}"
    if alert.state == "END":
        severity = Severity.SUCCESS
    elif alert.state == "START":
        severity = Severity.WARNING
    else:
        severity = Severity.INFO
    return f"Cloudflare alert: {label}{alert.suffix}", severity, alert.zone


_FAMILIES: list[tuple[frozenset[str], Callable[[_Alert], Title]]] = [
    (_ORIGIN, _origin),
    (_DDOS, _ddos),
    (_SSL, _ssl),
    (_WORKERS, _workers),
    (_USAGE, _usage),
]


def _builder(alert_type: str) -> Callable[[_Alert], Title]:
    for types, builder in _FAMILIES:
        if alert_type in types:
            return builder
    return _other


def _draft(alert_type: str, document: dict[str, Any]) -> EventDraft:
    occurred_at = parse_time(document.get("ts"))
    if alert_type == TEST_TYPE and is_test(document):
        return EventDraft(
            type=TEST_TYPE,
            title="Cloudflare test notification",
            summary=text(document.get("text"), 500) or "",
            occurred_at=occurred_at,
        )
    alert = _Alert(alert_type, document)
    title, severity, subject = _builder(alert_type)(alert)
    if alert.state == "END" and severity is not Severity.SUCCESS:
        severity = Severity.SUCCESS  # an END always means the incident is over
    elif alert.state == "START" and severity is Severity.ERROR:
        # A failure's START opens an incident that lasts until its END: the most urgent kind
        # of line in the feed. Warnings (a DDoS already mitigated, a look-alike domain) and
        # good news (a certificate now active) keep their own severity.
        severity = Severity.CRITICAL
    correlation = text(document.get("alert_correlation_id"), 100)
    fields: dict[str, FieldValue] = {}
    for key, value in (
        ("alert_type", text(document.get("alert_type"), 100)),
        ("alert_event", alert.state),
        ("alert_correlation_id", correlation),
        ("policy", alert.policy),
        ("zone", alert.zone),
        ("account_id", text(document.get("account_id"), 100)),
    ):
        if value:
            fields[key] = value
    tags: list[str] = []
    if alert.state:
        tags.append(alert.state.lower())
    if correlation:
        tags.append(f"incident:{correlation}")
    url = alert.get("dashboard_link", "dashboard_url", "link", limit=2000)
    return EventDraft(
        type=alert_type,
        title=title,
        summary=alert.message or "",
        subject=subject,
        url=url if url and url.startswith(("https://", "http://")) else None,
        occurred_at=occurred_at,
        severity=severity,
        tags=tuple(tags),
        fields=fields,
    )
