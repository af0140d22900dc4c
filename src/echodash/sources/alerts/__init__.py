"""EchoDash alerts: the alerts EchoDash itself opens, resolves and has acknowledged, as events."""

from echodash.sources.alerts.source import AlertsSource

__all__ = ["AlertsSource"]
