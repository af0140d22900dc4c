"""Every route of EchoDash, in one list."""

from __future__ import annotations

from starlette.routing import Route

from echodash.web import health, ingest
from echodash.web.api import endpoints, events, stream
from echodash.web.openapi import openapi

routes = [
    Route("/in/{slug}", ingest.ReceiveEndpoint(), methods=["POST"]),
    Route("/healthz", health.healthz, methods=["GET"]),
    Route("/metrics", health.metrics, methods=["GET"]),
    Route("/api/openapi.json", openapi, methods=["GET"]),
    Route("/api/v1/endpoints", endpoints.list_endpoints, methods=["GET"]),
    Route("/api/v1/endpoints", endpoints.create_endpoint, methods=["POST"]),
    Route("/api/v1/endpoints/{endpoint_id}", endpoints.get_endpoint, methods=["GET"]),
    Route("/api/v1/endpoints/{endpoint_id}", endpoints.update_endpoint, methods=["PATCH"]),
    Route("/api/v1/endpoints/{endpoint_id}", endpoints.delete_endpoint, methods=["DELETE"]),
    Route("/api/v1/endpoints/{endpoint_id}/secrets", endpoints.add_secret, methods=["POST"]),
    Route("/api/v1/events", events.list_events, methods=["GET"]),
    Route("/api/v1/events/{event_id}", events.get_event, methods=["GET"]),
    Route("/api/v1/stream", stream.stream, methods=["GET"]),
]
