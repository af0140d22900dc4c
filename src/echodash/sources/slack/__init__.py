"""Slack: Events API deliveries of one Slack app."""

from echodash.sources.slack.source import SlackSource

__all__ = ["SlackSource"]
