"""Every route of EchoDash, in one list."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from echodash.web import health, ingest, source_assets
from echodash.web.api import (
    alerts,
    backfill,
    custom,
    endpoints,
    events,
    linked_services,
    metrics,
    rule_destinations,
    rule_runs,
    rules,
    stream,
    workspace,
)
from echodash.web.openapi import openapi
from echodash.web.pages import STATIC_DIR
from echodash.web.views import (
    accounts,
    dashboard_events,
    dashboards,
    demo,
    event,
    feed,
    rules_page,
    sources,
)
from echodash.web.views import alerts as alerts_views
from echodash.web.views import settings as settings_views
from echodash.web.views import settings_members as members_views
from echodash.web.views import settings_metrics as metrics_views
from echodash.web.views import settings_notifications as notifications_views
from echodash.web.views import settings_services as services_views
from echodash.web.views import templates_page as templates_views

Handler = Callable[[Request], Awaitable[Response]]


def methods(path: str, **handlers: Handler) -> Route:
    """One route per path, so a wrong method's 405 lists every allowed one in `Allow`."""
    if "GET" in handlers:
        handlers.setdefault("HEAD", handlers["GET"])

    async def dispatch(request: Request) -> Response:
        return await handlers[request.method](request)

    return Route(path, dispatch, methods=list(handlers))


# GET of these goes straight to them from `EchoDashApp`: held open for hours and written to at
# every event, so without the router and middleware (like `POST /in/`).
LIVE_STREAMS = {"/api/v1/stream": stream.stream_asgi, "/feed/stream": feed.stream_asgi}

routes = [
    Route("/in/{slug}", ingest.ReceiveEndpoint(), methods=["POST"]),
    methods("/healthz", GET=health.healthz),
    methods("/metrics", GET=health.metrics),
    methods("/api/openapi.json", GET=openapi),
    methods("/api/v1/endpoints", GET=endpoints.list_endpoints, POST=endpoints.create_endpoint),
    methods(
        "/api/v1/endpoints/{endpoint_id}",
        GET=endpoints.get_endpoint,
        PATCH=endpoints.update_endpoint,
        DELETE=endpoints.delete_endpoint,
    ),
    methods("/api/v1/endpoints/{endpoint_id}/secrets", POST=endpoints.add_secret),
    methods("/api/v1/endpoints/{endpoint_id}/backfill", POST=backfill.start),
    methods("/api/v1/backfills/{backfill_id}", GET=backfill.progress),
    methods("/api/v1/events", GET=events.list_events, POST=custom.create_events),
    methods("/api/v1/events/{event_id}", GET=events.get_event),
    methods("/api/v1/events/{event_id}/replay", POST=events.replay_event),
    Route("/api/v1/stream", stream.StreamEndpoint(), methods=["GET", "HEAD"]),
    methods("/api/v1/workspace", GET=workspace.get_workspace, PATCH=workspace.update_workspace),
    # Alerts (docs/alerts.md)
    methods("/api/v1/rules", GET=rules.list_rules, POST=rules.create_rule),
    # Before /rules/{rule_id}: "test" is no id.
    methods("/api/v1/rules/test", POST=rule_runs.dry_run_unsaved),
    methods(
        "/api/v1/rules/{rule_id}",
        GET=rules.get_rule,
        PATCH=rules.update_rule,
        DELETE=rules.delete_rule,
    ),
    methods("/api/v1/rules/{rule_id}/test", POST=rule_runs.dry_run_saved),
    methods("/api/v1/rules/{rule_id}/attempts", GET=rule_destinations.list_attempts),
    methods("/api/v1/rules/{rule_id}/actions/{index}/test", POST=rule_destinations.send_test),
    methods("/api/v1/alerts", GET=alerts.list_alerts),
    methods("/api/v1/alerts/{alert_id}", GET=alerts.get_alert),
    methods("/api/v1/alerts/{alert_id}/ack", POST=alerts.acknowledge),
    methods("/api/v1/alerts/{alert_id}/resolve", POST=alerts.resolve),
    methods(
        "/api/v1/services",
        GET=linked_services.get_services,
        PUT=linked_services.put_services,
    ),
    # Metrics (docs/metrics.md)
    methods("/api/v1/metrics/dora", GET=metrics.dora),
    methods("/api/v1/metrics/revenue", GET=metrics.revenue),
    methods("/api/v1/metrics/product", GET=metrics.product_metrics),
    methods("/api/v1/metrics/retention", GET=metrics.retention),
    methods("/api/v1/metrics/funnel", GET=metrics.funnel),
    methods("/api/v1/metrics/time-to-value", GET=metrics.time_to_value),
    methods("/api/v1/metrics/nps", GET=metrics.nps),
    methods("/api/v1/metrics/csat", GET=metrics.csat),
    methods("/api/v1/metrics/settings", GET=metrics.get_settings, PATCH=metrics.patch_settings),
    # Pages
    methods("/setup", GET=accounts.setup_form, POST=accounts.setup_submit),
    methods("/login", GET=accounts.login_form, POST=accounts.login_submit),
    methods("/logout", POST=accounts.logout),
    methods("/invite/{token}", GET=accounts.invitation_form, POST=accounts.invitation_submit),
    methods("/workspaces", POST=accounts.create_workspace),
    methods("/workspaces/switch", POST=accounts.switch_workspace),
    methods("/", GET=feed.feed),
    methods("/feed/rows", GET=feed.more_rows),
    methods("/feed/glance", GET=feed.glance),
    Route("/feed/stream", feed.FeedStreamEndpoint(), methods=["GET", "HEAD"]),
    methods("/views", POST=feed.save_view),
    methods("/demo/load", POST=demo.load),
    methods("/demo/remove", POST=demo.remove),
    methods("/views/change", POST=feed.change_view),
    methods("/events/{event_id}", GET=event.event_page),
    methods("/events/{event_id}/panel", GET=event.event_panel),
    methods("/events/{event_id}/raw", GET=event.raw_delivery),
    methods("/events/{event_id}/replay", POST=event.replay),
    # Alerts pages: fixed paths before /alerts/{alert_id} and /alerts/rules/{rule_id}
    methods("/alerts", GET=alerts_views.alerts_page),
    methods("/alerts/list", GET=alerts_views.alerts_list),
    methods("/alerts/badge", GET=alerts_views.badge),
    methods("/alerts/rules", GET=rules_page.rules_list),
    methods("/alerts/rules/new", GET=rules_page.new_rule, POST=rules_page.create_rule),
    methods("/alerts/rules/test", POST=rules_page.test_rule),
    methods("/alerts/rules/{rule_id}", GET=rules_page.edit_rule, POST=rules_page.save_rule),
    methods("/alerts/rules/{rule_id}/delete", POST=rules_page.delete_rule),
    methods("/alerts/rules/{rule_id}/actions/{index}/test", POST=rules_page.send_test),
    methods("/alerts/{alert_id}", GET=alerts_views.alert_page),
    methods("/alerts/{alert_id}/ack", POST=alerts_views.acknowledge),
    methods("/alerts/{alert_id}/resolve", POST=alerts_views.resolve),
    # Dashboards (docs/web-ui.md#dashboards)
    methods("/dashboards", GET=dashboards.index),
    methods("/dashboards/delivery", GET=dashboards.delivery),
    methods("/dashboards/revenue", GET=dashboards.revenue_page),
    methods("/dashboards/product", GET=dashboards.product_page),
    methods("/dashboards/events", GET=dashboard_events.metric_events),
    # Sources pages (anchor: sources routes)
    methods("/sources", GET=sources.sources),
    methods("/sources/new", GET=sources.new_source, POST=sources.create_source),
    methods("/sources/{endpoint_id}", GET=sources.source_detail),
    methods("/sources/{endpoint_id}/rotate", POST=sources.rotate_secret),
    methods("/sources/{endpoint_id}/backfill", POST=sources.import_history),
    methods("/sources/{endpoint_id}/delete", POST=sources.delete_source),
    # Settings pages (anchor: settings routes)
    methods("/settings", GET=settings_views.workspace_settings),
    methods("/settings/retention", POST=settings_views.save_retention),
    methods("/settings/name", POST=settings_views.rename_workspace),
    methods("/settings/members", GET=members_views.members_settings),
    methods("/settings/members/{user_id}/role", POST=members_views.change_role),
    methods("/settings/members/{user_id}/remove", POST=members_views.remove_member),
    methods("/settings/invitations", POST=members_views.create_invitation),
    methods("/settings/invitations/revoke", POST=members_views.revoke_invitation),
    methods(
        "/settings/tokens", GET=settings_views.tokens_settings, POST=settings_views.create_token
    ),
    methods("/settings/tokens/{token_id}/revoke", POST=settings_views.revoke_token),
    methods(
        "/settings/notifications",
        GET=notifications_views.notifications_settings,
    ),
    methods(
        "/settings/notifications/browser",
        POST=notifications_views.save_browser_notifications,
    ),
    methods("/settings/notifications/digest", POST=notifications_views.save_digest),
    methods("/settings/digest/preview", GET=notifications_views.digest_preview),
    methods(
        "/settings/services",
        GET=services_views.services_settings,
        POST=services_views.save_services,
    ),
    methods(
        "/settings/metrics",
        GET=metrics_views.metrics_settings,
        POST=metrics_views.save_metrics_settings,
    ),
    # Templates pages (anchor: templates routes)
    methods("/templates", GET=templates_views.templates_list),
    methods("/templates/{fingerprint:path}/preview", POST=templates_views.template_preview),
    methods(
        "/templates/{fingerprint:path}",
        GET=templates_views.template_edit,
        POST=templates_views.template_save,
    ),
    # Every installed sender's marks and colours (plugins' included), like static files.
    methods("/assets/sources.svg", GET=source_assets.serve_sprite),
    methods("/assets/sources.css", GET=source_assets.serve_stylesheet),
    Mount("/static", StaticFiles(directory=STATIC_DIR), name="static"),
]
