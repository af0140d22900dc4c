"""GitLab's own ids for the things its webhooks report, shared with the backfill: a live
delivery and the history read from the API for the same thing get the same id."""

from __future__ import annotations

from typing import Any

import orjson

# The kinds a backfill also builds, and the payload paths that name one thing of each.
_IDS: dict[str, tuple[str, ...]] = {
    # GitLab sends one deployment delivery per status it passes through.
    "deployment": ("deployment_id", "status"),
    "push": ("project.id", "ref", "after"),
    "merge_request": ("object_attributes.action", "object_attributes.id"),
    # Like deployments, one pipeline delivery per status.
    "pipeline": ("object_attributes.id", "object_attributes.status"),
    "issue": ("object_attributes.action", "object_attributes.id"),
}
# Actions whose deliveries are distinct things even with the same ids (an issue edited twice
# is two edits); only these carry a thing id.
_ACTIONS = {
    "merge_request": {"merge"},
    "issue": {"open", "close"},
}
# The statuses that end a deployment or pipeline: a running one may be reported again.
_FINAL = {"success", "failed", "canceled"}
ZERO_SHA = "0" * 40


def _dig(document: Any, path: str) -> Any:
    for part in path.split("."):
        if not isinstance(document, dict):
            return None
        document = document.get(part)
    return document


def thing_id(body: bytes) -> str | None:
    """`kind:part:part…` for the deliveries a backfill also builds; None for the others."""
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError:
        return None
    if not isinstance(document, dict):
        return None
    kind = document.get("object_kind")
    paths = _IDS.get(kind) if isinstance(kind, str) else None
    if kind is None or paths is None:
        return None
    actions = _ACTIONS.get(kind)
    if actions is not None and _dig(document, "object_attributes.action") not in actions:
        return None
    if kind == "deployment" and document.get("status") not in _FINAL:
        return None
    if kind == "pipeline" and _dig(document, "object_attributes.status") not in _FINAL:
        return None
    parts = []
    for path in paths:
        value = _dig(document, path)
        if isinstance(value, bool) or not isinstance(value, str | int):
            return None
        parts.append(str(value))
    if kind == "push" and parts[-1] == ZERO_SHA:
        return None  # a deleted branch: no head to name it by
    return ":".join(["gitlab", kind, *parts])
