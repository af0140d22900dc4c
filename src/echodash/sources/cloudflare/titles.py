"""Cloudflare titles, one family of alert types per builder: origins and load balancers,
DDoS attacks, certificates, Workers and Pages, usage, tunnels, secondary DNS, Cloudflare's
own incidents and maintenance, and the security and monitoring notices.

START and END: alerts that open and close an incident arrive as a START and an END with the
same `alert_correlation_id`. An END always reads as good news; a failure's START is critical
(an incident is open until its END).
"""

from __future__ import annotations

from dataclasses import replace

from echodash.events import Category, EventDraft, FieldValue, Outcome, Severity
from echodash.sources.cloudflare.reader import TEST_TYPE, Payload
from echodash.sources.kit.payload import parse_time
from echodash.sources.kit.text import words
from echodash.sources.kit.titles import TitleBook

TITLES: TitleBook[Payload] = TitleBook()
builds = TITLES.builds

_BAD_WORDS = ("fail", "error", "unhealthy", "down", "invalid", "revoked", "unreachable")
_GOOD_WORDS = ("healthy", "issued", "active", "renewed", "deployed", "success", "resolved")


def alert(
    p: Payload,
    title: str,
    severity: Severity,
    subject: str | None,
    category: Category = Category.ALERT,
    outcome: Outcome | None = None,
) -> EventDraft:
    """The event for one notification: START and END decide the severity in the end."""
    if p.state == "END" and severity is not Severity.SUCCESS:
        severity = Severity.SUCCESS  # an END always means the incident is over
    elif p.state == "START" and severity is Severity.ERROR:
        # A failure's START opens an incident that lasts until its END: the most urgent kind
        # of line in the feed. Warnings (a DDoS already mitigated, a look-alike domain) and
        # good news (a certificate now active) keep their own severity.
        severity = Severity.CRITICAL
    correlation = p.text("alert_correlation_id", 100)
    fields: dict[str, FieldValue] = {
        "alert_type": p.text("alert_type", 100),
        "alert_event": p.state,
        "alert_correlation_id": correlation,
        "policy": p.policy,
        "zone": p.place,
        "account_id": p.text("account_id", 100),
    }
    draft = p.draft(
        title,
        occurred_at=parse_time(p.get("ts")),
        severity=severity,
        tags=[
            p.state.lower() if p.state else None,
            f"incident:{correlation}" if correlation else None,
        ],
        fields=fields,
        summary=p.message,
        category=category,
        outcome=outcome,
    )
    return replace(draft, subject=subject)


@TITLES.otherwise
def generic(p: Payload) -> EventDraft:
    """`Cloudflare alert: Production alerts (START)`, for any other alert type."""
    label = p.policy or p.type
    if label == p.type and p.message:
        label = f"{p.type}: {p.message}"
    severity = {"END": Severity.SUCCESS, "START": Severity.WARNING}.get(
        p.state or "", Severity.INFO
    )
    return alert(p, f"Cloudflare alert: {label}{p.suffix}", severity, p.place)


@builds(TEST_TYPE)
def _test(p: Payload) -> EventDraft:
    if not p.is_test:  # a real alert that calls itself `test`
        return replace(generic(p), category=Category.OTHER)
    return p.draft(
        "Cloudflare test notification",
        occurred_at=parse_time(p.get("ts")),
        summary=p.message,
    )


# ---- origins and load balancers ------------------------------------------------------------


@builds(
    "health_check_status_notification",
    "real_origin_monitoring",
    "load_balancing_health_alert",
    "load_balancing_pool_enablement_alert",
)
def _origin(p: Payload) -> EventDraft:
    pool = p.data("pool_name", "pool")
    label = (
        f"pool {pool}"
        if pool
        else p.data("name", "health_check_name", "origin_name", "origin") or p.place or "origin"
    )
    status = p.status_words()
    recovered = p.state == "END" or status.startswith("healthy") or status in ("up", "recovered")
    if recovered:
        return alert(
            p, f"Origin health check recovered: {label}{p.suffix}", Severity.SUCCESS, label
        )
    return alert(p, f"Origin health check failed: {label}{p.suffix}", Severity.ERROR, label)


_HTTP = {"http_alert_origin_error": "Origin", "http_alert_edge_error": "Edge"}


@builds("http_alert_origin_error", "http_alert_edge_error", "advanced_http_alert_error")
def _http_errors(p: Payload) -> EventDraft:
    where = p.place or p.data("account_name") or "your account"
    rate = p.data("error_rate", "current_error_rate", limit=40)
    what = _HTTP.get(p.type, "HTTP")
    if p.state == "END":
        return alert(p, f"{what} error rate back to normal on {where}", Severity.SUCCESS, where)
    detail = f" ({rate})" if rate else ""
    return alert(p, f"{what} error rate high on {where}{detail}{p.suffix}", Severity.ERROR, where)


# ---- attacks ---------------------------------------------------------------------------------


@builds("dos_attack_l7", "dos_attack_l4", "advanced_ddos_attack_l7_alert",
        "advanced_ddos_attack_l4_alert", "fbm_dosd_attack", "fbm_volumetric_attack")  # fmt: skip
def _ddos(p: Payload) -> EventDraft:
    zone = p.place or p.data("account_name") or "your account"
    vector = p.data("attack_vector", "rule_description", limit=80)
    detail = f" ({vector})" if vector else ""
    if p.state == "END":
        return alert(p, f"DDoS attack on {zone} ended{detail}", Severity.SUCCESS, zone)
    return alert(p, f"DDoS attack mitigated on {zone}{detail}", Severity.WARNING, zone)


# ---- certificates ----------------------------------------------------------------------------


@builds(
    "universal_ssl_event_type",
    "dedicated_ssl_certificate_event_type",
    "custom_ssl_certificate_event_type",
)
def _ssl(p: Payload) -> EventDraft:
    host = p.data("hostname", "common_name") or p.place or "a hostname"
    status = p.status_words()
    if any(word in status for word in _BAD_WORDS):
        severity = Severity.ERROR
    elif "expir" in status:
        severity = Severity.WARNING
    elif any(word in status for word in _GOOD_WORDS):
        severity = Severity.SUCCESS
    else:
        severity = Severity.INFO
    what = f": {status}" if status else ""
    title = f"SSL certificate for {host}{what}{p.suffix}"
    return alert(p, title, severity, host, Category.CONFIG)


@builds(
    "access_custom_certificate_expiration_type",
    "hostname_aop_custom_certificate_expiration_type",
    "zone_aop_custom_certificate_expiration_type",
    "mtls_certificate_store_certificate_expiration_type",
)
def _expiring_certificate(p: Payload) -> EventDraft:
    host = p.data("hostname", "common_name", "certificate_name", "name") or p.place
    expires = p.data("expires_on", "expiration_date", "expires_at", limit=40)
    what = f"Certificate for {host}" if host else "A certificate"
    when = f" expires on {expires}" if expires else " expires soon"
    return alert(p, f"{what}{when}{p.suffix}", Severity.WARNING, host)


# ---- Workers, Pages, usage -------------------------------------------------------------------


@builds("workers_alert", "workers_observability_alert")
def _workers(p: Payload) -> EventDraft:
    script = p.data("script_name", "script", "worker", "service", "name")
    where = f" for {script}" if script else ""
    severity = Severity.SUCCESS if p.state == "END" else Severity.ERROR
    return alert(p, f"Workers alert{where}{p.suffix}", severity, script)


_PAGES = (("fail", Outcome.FAILURE), ("cancel", Outcome.CANCELLED), ("success", Outcome.SUCCESS))


@builds("pages_event_alert")
def _pages(p: Payload) -> EventDraft:
    project = p.data("project_name", "project", "name") or "a Pages project"
    event = p.data("event", "event_type", "status", "state") or ""
    outcome = next((o for word, o in _PAGES if word in event.lower()), Outcome.STARTED)
    verb = {
        Outcome.FAILURE: "failed",
        Outcome.CANCELLED: "was canceled",
        Outcome.SUCCESS: "succeeded",
    }.get(outcome, "started")
    severity = {Outcome.FAILURE: Severity.ERROR, Outcome.SUCCESS: Severity.SUCCESS}.get(
        outcome, Severity.INFO
    )
    draft = alert(
        p, f"Pages deployment of {project} {verb}", severity, project, Category.DEPLOYMENT, outcome
    )
    return replace(draft, environment=p.data("environment", "deployment_environment", limit=60))


@builds("billing_usage_alert")
def _usage(p: Payload) -> EventDraft:
    product = p.data("product", "metric", "usage_type", limit=100) or p.policy
    limit = p.data("limit", "threshold", "budget", limit=50)
    what = f" for {product}" if product else ""
    reached = f" (limit {limit})" if limit else ""
    return alert(p, f"Usage alert{what}{reached}", Severity.WARNING, product)


# ---- Cloudflare's own incidents and maintenance ---------------------------------------------


@builds("incident_alert")
def _incident(p: Payload) -> EventDraft:
    name = p.data("incident_name", "name", "title", limit=160) or p.message or "an incident"
    impact = p.data("impact", limit=40)
    detail = f" ({impact} impact)" if impact else ""
    resolved = p.state == "END" or "resolved" in p.status_words()
    if resolved:
        title, severity = f"Cloudflare incident resolved: {name}", Severity.SUCCESS
    else:
        title, severity = f"Cloudflare incident: {name}{detail}", Severity.WARNING
    return alert(p, title, severity, p.place, Category.INCIDENT)


@builds("maintenance_event_notification")
def _maintenance(p: Payload) -> EventDraft:
    what = p.data("name", "title", "airport_code", "location", limit=120) or p.message
    return alert(
        p, "Cloudflare maintenance" + (f": {what}" if what else ""), Severity.INFO, p.place
    )


# ---- the notices that read as their name, on their zone or account --------------------------

# alert type → (what the title says, severity, category)
_NOTICES: dict[str, tuple[str, Severity, Category]] = {
    "abuse_report_alert": ("Abuse report received", Severity.WARNING, Category.ALERT),
    "bgp_hijack_notification": ("Possible BGP hijack of your prefixes", Severity.ERROR,
                                Category.ALERT),
    "block_notification_new_block": ("Content blocked after an abuse report", Severity.ERROR,
                                     Category.ALERT),
    "block_notification_review_rejected": ("Review of a block rejected", Severity.WARNING,
                                           Category.ALERT),
    "block_notification_block_removed": ("Block removed", Severity.SUCCESS, Category.ALERT),
    "bot_traffic_basic_alert": ("Bot traffic spike", Severity.WARNING, Category.ALERT),
    "custom_bot_detection_alert": ("Bot detection alert", Severity.WARNING, Category.ALERT),
    "brand_protection_alert": ("Look-alike domain found", Severity.WARNING, Category.ALERT),
    "brand_protection_digest": ("Brand protection digest", Severity.INFO, Category.ALERT),
    "logo_match_alert": ("Logo match found", Severity.WARNING, Category.ALERT),
    "security_insights_alert": ("New security insight", Severity.WARNING, Category.ALERT),
    "sentinel_alert": ("Security event spike", Severity.WARNING, Category.ALERT),
    "clickhouse_alert_fw_anomaly": ("Firewall events spike", Severity.WARNING, Category.ALERT),
    "clickhouse_alert_fw_ent_anomaly": ("Firewall events spike", Severity.WARNING,
                                        Category.ALERT),
    "traffic_anomalies_alert": ("Traffic anomaly", Severity.WARNING, Category.ALERT),
    "fbm_auto_advertisement": ("Prefix advertised automatically", Severity.WARNING,
                               Category.ALERT),
    "cloudforce_one_request_notification": ("Cloudforce One request updated", Severity.INFO,
                                            Category.ALERT),
    "radar_notification": ("Radar alert", Severity.WARNING, Category.ALERT),
    "scriptmonitor_alert_new_code_change_detections": ("Page Shield: script code changed",
                                                       Severity.WARNING, Category.ALERT),
    "scriptmonitor_alert_new_hosts": ("Page Shield: new script hosts", Severity.INFO,
                                      Category.ALERT),
    "scriptmonitor_alert_new_malicious_hosts": ("Page Shield: malicious script host",
                                                Severity.ERROR, Category.ALERT),
    "scriptmonitor_alert_new_malicious_scripts": ("Page Shield: malicious script",
                                                  Severity.ERROR, Category.ALERT),
    "scriptmonitor_alert_new_malicious_url": ("Page Shield: malicious URL", Severity.ERROR,
                                              Category.ALERT),
    "scriptmonitor_alert_new_max_length_resource_url": ("Page Shield: very long script URL",
                                                        Severity.WARNING, Category.ALERT),
    "scriptmonitor_alert_new_resources": ("Page Shield: new scripts", Severity.INFO,
                                          Category.ALERT),
    "tunnel_health_event": ("Tunnel health changed", Severity.WARNING, Category.ALERT),
    "magic_tunnel_health_check_event": ("Magic tunnel health check", Severity.WARNING,
                                        Category.ALERT),
    "magic_wan_tunnel_health": ("Magic WAN tunnel health", Severity.WARNING, Category.ALERT),
    "device_connectivity_anomaly_alert": ("Device connectivity anomaly", Severity.WARNING,
                                          Category.ALERT),
    "tunnel_update_event": ("Tunnel configuration changed", Severity.INFO, Category.CONFIG),
    "secondary_dns_all_primaries_failing": ("Secondary DNS: all primaries failing",
                                            Severity.ERROR, Category.ALERT),
    "secondary_dns_primaries_failing": ("Secondary DNS: a primary is failing", Severity.WARNING,
                                        Category.ALERT),
    "secondary_dns_warning": ("Secondary DNS warning", Severity.WARNING, Category.ALERT),
    "secondary_dns_zone_validation_warning": ("Secondary DNS: zone validation warning",
                                              Severity.WARNING, Category.ALERT),
    "secondary_dns_zone_successfully_updated": ("Secondary DNS: zone transferred",
                                                Severity.SUCCESS, Category.CONFIG),
    "expiring_service_token_alert": ("Access service token expiring", Severity.WARNING,
                                     Category.CONFIG),
    "failing_logpush_job_disabled_alert": ("Logpush job disabled after failing",
                                           Severity.ERROR, Category.ALERT),
    "synthetic_test_latency_alert": ("Synthetic test latency high", Severity.WARNING,
                                     Category.ALERT),
    "synthetic_test_low_availability_alert": ("Synthetic test availability low",
                                              Severity.ERROR, Category.ALERT),
    "custom_analytics": ("Custom analytics alert", Severity.WARNING, Category.ALERT),
    "web_analytics_metrics_update": ("Web Analytics weekly metrics", Severity.INFO,
                                     Category.ACTIVITY),
    "stream_live_notifications": ("Stream live input event", Severity.INFO, Category.ACTIVITY),
    "image_notification": ("Images notice", Severity.INFO, Category.ACTIVITY),
    "image_resizing_notification": ("Image Resizing notice", Severity.INFO, Category.ACTIVITY),
}  # fmt: skip


@builds(*_NOTICES)
def _notice(p: Payload) -> EventDraft:
    label, severity, category = _NOTICES[p.type]
    name = p.data("tunnel_name", "name", "test_name", "script", "host", "prefix", limit=100)
    status = p.status_words()
    detail = ": " + name if name else ""
    detail += f" ({words(status)})" if status and status not in label.lower() else ""
    on = f" on {p.place}" if p.place else ""
    if category is Category.ALERT and status and any(w in status for w in ("healthy", "up")):
        severity = Severity.SUCCESS if not any(w in status for w in _BAD_WORDS) else severity
    return alert(p, f"{label}{on}{detail}{p.suffix}", severity, p.place or name, category)
