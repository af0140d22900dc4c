"""Alerts: rules that watch the events, the alerts they open, the changes suspected behind
them, and the notifications sent about them (see docs/alerts.md)."""
