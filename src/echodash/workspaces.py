"""What a workspace may be: its name and how long it keeps events. One set of rules for the API,
the settings page, the CLI, imports and the retention job."""

from __future__ import annotations

from typing import Any

# Senders retry for days (Stripe for three): delivery ids must be remembered at least this
# long to recognise a late retry, so events are never pruned sooner.
MIN_RETENTION_DAYS = 7
MAX_RETENTION_DAYS = 36_500
MAX_NAME = 80


def workspace_name(value: Any) -> str:
    """A workspace's name as given by a user: 1 to MAX_NAME characters once trimmed."""
    name = value.strip() if isinstance(value, str) else ""
    if not name or len(name) > MAX_NAME:
        raise ValueError(f"`name` must be text of 1 to {MAX_NAME} characters")
    return name


def retention_days(value: Any) -> int | None:
    """A retention setting as given by a user: null (keep forever) or whole days."""
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("`retention_days` must be a whole number of days, or null to keep all")
    if not MIN_RETENTION_DAYS <= value <= MAX_RETENTION_DAYS:
        raise ValueError(
            f"`retention_days` must be between {MIN_RETENTION_DAYS} and {MAX_RETENTION_DAYS}: "
            f"senders retry for days, so delivery ids are kept at least {MIN_RETENTION_DAYS}"
        )
    return value
