"""GitHub's own ids for the things its webhooks report, shared with the backfill: a live
delivery and the history read from the API for the same thing get the same id."""

from __future__ import annotations

from typing import Any

import orjson

# The events a backfill also builds, and the payload paths that name one thing of each.
_IDS: dict[str, tuple[str, ...]] = {
    "deployment_status": ("deployment_status.id",),
    "push": ("repository.id", "ref", "after"),
    "pull_request": ("action", "pull_request.id"),
    "workflow_run": ("action", "workflow_run.id", "workflow_run.run_attempt"),
    "release": ("action", "release.id"),
    "issues": ("action", "issue.id", "label.name"),
}
# Actions whose deliveries are distinct things even with the same ids (a label added twice is
# two labellings); only these carry a thing id.
_ACTIONS = {
    "pull_request": {"closed"},
    "workflow_run": {"completed"},
    "release": {"published"},
    "issues": {"opened", "closed", "labeled"},
}


def _dig(document: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document


def thing_id(event: str, body: bytes) -> str | None:
    """`event:part:part…` for the deliveries a backfill also builds; None for the others."""
    paths = _IDS.get(event)
    if paths is None:
        return None
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict):
        return None
    actions = _ACTIONS.get(event)
    if actions is not None and document.get("action") not in actions:
        return None
    parts = []
    for path in paths:
        value = _dig(document, path)
        if isinstance(value, bool) or not isinstance(value, str | int):
            if path == "label.name":
                continue  # opened and closed name no label
            return None
        parts.append(str(value))
    if event == "push" and parts[-1].strip("0") == "":
        return None  # a deleted branch: no head to name it by
    return ":".join([event, *parts])
