"""Vercel webhooks: HMAC-SHA1 signatures, event ids from the body, readable deployment events."""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from typing import Any

from echodash.events import EventDraft, FieldValue, Severity
from echodash.sources.base import Guide, Headers, Source
from echodash.sources.hexsig import verify_hex_hmac
from echodash.sources.payload import (
    dig,
    load_json,
    load_json_quietly,
    not_an_object,
    parse_time,
    text,
)

logger = logging.getLogger(__name__)

SIGNATURE_HEADER = "x-vercel-signature"

# Legacy (v1) deployment type names still sent by older webhooks and integrations.
_LEGACY = {
    "deployment": "deployment.created",
    "deployment-prepared": "deployment.created",
    "deployment-ready": "deployment.succeeded",
    "deployment-error": "deployment.error",
    "deployment-canceled": "deployment.canceled",
}
# deployment.<what>: (verb for the title, severity)
_DEPLOYMENT: dict[str, tuple[str, Severity]] = {
    "created": ("started", Severity.INFO),
    "succeeded": ("succeeded", Severity.SUCCESS),
    "ready": ("is ready", Severity.SUCCESS),
    "error": ("failed", Severity.ERROR),
    "canceled": ("was canceled", Severity.WARNING),
}


class VercelSource(Source):
    """Team and integration webhooks from Vercel."""

    kind = "vercel"
    name = "Vercel"
    order = 80
    icon = (
        '<path d="M12 1.2l9.4 5.4v10.8L12 22.8l-9.4-5.4V6.6z" fill="currentColor"/>'
        '<path d="M8 8l4 8.5L16 8" fill="none" style="stroke:var(--src-ink,#fff)" '
        'stroke-width="2.3" stroke-linecap="round" stroke-linejoin="round"/>'
    )
    colour = ("#111111", "#ededed")
    guide = Guide(
        "Team Settings → Webhooks → Create webhook",
        (
            "Endpoint: {url}",
            "Pick the events (deployment.created, deployment.succeeded, deployment.error…) "
            "and projects, then Create.",
            "Copy the secret Vercel shows once and paste it below.",
        ),
        tool_makes_secret=True,
        paste_hint="The secret Vercel showed when you created the webhook",
    )
    # Vercel sends only a signature of the body, no credential: every header is kept.
    secret_headers = frozenset()

    def verify(self, headers: Headers, body: bytes, secrets: Sequence[str]) -> int:
        """Match `x-vercel-signature` (hex HMAC-SHA1 of the body) against each active secret."""
        return verify_hex_hmac(
            headers, SIGNATURE_HEADER, "x-vercel-signature", body, secrets, hashlib.sha1, "sha1="
        )

    def delivery_id(self, headers: Headers, body: bytes) -> str | None:
        try:
            value = dig(load_json(headers, body), "id")
        except Exception:
            return None
        if value is None or isinstance(value, (bool, dict, list)):
            return None
        return str(value).strip() or None

    def parse(self, headers: Headers, body: bytes) -> list[EventDraft]:
        """One draft per delivery; never raises, whatever the bytes and headers."""
        document = load_json_quietly(headers, body)
        if not isinstance(document, dict):
            return [not_an_object("Vercel", document)]
        event_type = text(document.get("type"), 100) or "unknown"
        try:
            return [_draft(event_type, document)]
        except Exception:  # an unexpected payload shape: a generic title still shows it
            logger.debug("vercel %s: title failed", event_type, exc_info=True)
            return [EventDraft(type=event_type, title=f"Vercel sent {_a(event_type)} event")]


def _draft(event_type: str, document: dict[str, Any]) -> EventDraft:
    payload = document.get("payload")
    if not isinstance(payload, dict):
        payload = {}
    kind = _LEGACY.get(event_type, event_type)
    project = _project_name(payload)
    target = text(payload.get("target"), 50)
    meta = dig(payload, "deployment.meta")
    meta = meta if isinstance(meta, dict) else {}
    branch = text(
        meta.get("githubCommitRef")
        or meta.get("gitlabCommitRef")
        or meta.get("bitbucketCommitRef"),
        100,
    )
    message = _first_line(
        meta.get("githubCommitMessage")
        or meta.get("gitlabCommitMessage")
        or meta.get("bitbucketCommitMessage")
    )
    sha = text(
        meta.get("githubCommitSha")
        or meta.get("gitlabCommitSha")
        or meta.get("bitbucketCommitSha"),
        100,
    )
    actor = text(
        meta.get("githubCommitAuthorLogin")
        or meta.get("githubCommitAuthorName")
        or meta.get("gitlabCommitAuthorName")
        or meta.get("bitbucketCommitAuthorName")
        or dig(payload, "user.username"),
        100,
    )
    fields: dict[str, FieldValue] = {}
    for key, value in (
        ("project", project),
        ("target", target),
        ("branch", branch),
        ("commit", sha[:7] if sha else None),
        ("deployment", text(dig(payload, "deployment.id"), 100)),
    ):
        if value:
            fields[key] = value
    tags = tuple(tag for tag in (target, branch) if tag)
    severity = Severity.INFO
    what = project or "a project"
    if kind.startswith("deployment."):
        action = kind.removeprefix("deployment.")
        commit = ""
        if branch and message:
            commit = f" ({branch}: {message})"
        elif branch or message:
            commit = f" ({branch or message})"
        if action == "promoted":
            title = f"Deployment of {what} promoted to {target or 'production'}{commit}"
            severity = Severity.SUCCESS
        elif action in _DEPLOYMENT:
            verb, severity = _DEPLOYMENT[action]
            where = f" to {target}" if target else ""
            title = f"Deployment of {what}{where} {verb}{commit}"
        else:
            words = action.replace("-", " ").replace(".", " ")
            title = f"Deployment of {what}: {words}{commit}"
    elif kind.startswith("project."):
        title = f"Project {what} {_past(kind.removeprefix('project.'))}"
        severity = Severity.WARNING if kind == "project.removed" else Severity.INFO
    elif kind.startswith("domain."):
        domain = text(dig(payload, "domain.name"), 200) or "a domain"
        title = f"Domain {domain} {_past(kind.removeprefix('domain.'))}"
        fields["domain"] = domain
    elif kind.startswith("integration-configuration."):
        config = text(dig(payload, "configuration.id"), 100)
        action = _past(kind.removeprefix("integration-configuration."))
        title = (
            f"Integration configuration {config} {action}"
            if config
            else (f"Integration configuration {action}")
        )
    else:
        title = f"Vercel sent {_a(event_type)} event" + (f" for {project}" if project else "")
    return EventDraft(
        type=event_type,
        title=title,
        actor=actor,
        subject=project,
        url=_url(payload),
        occurred_at=parse_time(document.get("createdAt")),
        severity=severity,
        tags=tags,
        fields=fields,
    )


def _project_name(payload: dict[str, Any]) -> str | None:
    for path in ("deployment.name", "project.name", "name", "project.id", "projectId"):
        found = text(dig(payload, path), 100)
        if found:
            return found
    return None


def _first_line(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    lines = value.strip().splitlines()
    return text(lines[0], 80) if lines else None


def _past(action: str) -> str:
    """`removed` and `permission-upgraded` read as `removed` and `permission upgraded`."""
    return action.replace("-", " ").replace(".", " ").strip()


def _url(payload: dict[str, Any]) -> str | None:
    for candidate in (dig(payload, "links.deployment"), dig(payload, "links.project")):
        if isinstance(candidate, str) and candidate.startswith(("https://", "http://")):
            return candidate[:2000]
    host = text(dig(payload, "deployment.url"), 500)
    if host and re.fullmatch(r"[A-Za-z0-9.-]+", host):
        return "https://" + host
    return None


def _a(word: str) -> str:
    return ("an " if word[:1].lower() in ("a", "e", "i", "o", "u") else "a ") + word
