"""Prometheus metrics for one app instance (its own registry, so tests can build many apps)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest


class Telemetry:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.deliveries = Counter(
            "echodash_deliveries",
            "Deliveries received, by source and outcome (accepted, duplicate, rejected).",
            ["source", "outcome"],
            registry=self.registry,
        )
        self.commit_seconds = Histogram(
            "echodash_commit_seconds",
            "Duration of each durable commit of a group of writes (deliveries, events).",
            buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5),
            registry=self.registry,
        )
        self.events = Counter(
            "echodash_events", "Events stored, by source.", ["source"], registry=self.registry
        )
        self.subscribers = Gauge(
            "echodash_live_subscribers", "Open live streams.", registry=self.registry
        )
        self.store_errors = Counter(
            "echodash_store_unavailable",
            "Requests answered 503 because the store could not commit.",
            registry=self.registry,
        )

        self._delivery_counters: dict[tuple[str, str], Counter] = {}

    def delivery(self, source: str, outcome: str) -> None:
        """Count one delivery (label lookups cached: this runs on every request)."""
        key = (source, outcome)
        counter = self._delivery_counters.get(key)
        if counter is None:
            counter = self._delivery_counters[key] = self.deliveries.labels(source, outcome)
        counter.inc()

    def render(self) -> bytes:
        return generate_latest(self.registry)
