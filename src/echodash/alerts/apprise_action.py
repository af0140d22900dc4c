"""Chat, push and e-mail notifications through Apprise (Slack, Discord, Teams, ntfy, …).

Apprise makes its own connections, so the SSRF guard is applied before it runs: a scheme that
posts to a host the rule's author chose (JSON/XML/form posts, ntfy, Gotify, Mattermost,
Rocket.Chat, Matrix, Nextcloud, e-mail servers) has that host resolved and checked, and for
plain-HTTP schemes Apprise is handed the checked address itself (no second resolution). TLS
schemes keep the name, which their certificate check needs. Services whose host is fixed by the
service (Slack, Discord, Teams, Telegram, Pushover, …) need no check; other schemes are refused.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import apprise

from echodash.alerts.ssrf import Blocked, Network, resolve
from echodash.alerts.webhook import Attempt

# Services that post only to their own, fixed hosts.
FIXED_HOST = frozenset(
    {
        "slack",
        "discord",
        "msteams",
        "tgram",
        "pover",
        "pbul",
        "ifttt",
        "opsgenie",
        "pagerduty",
        "gchat",
        "join",
        "line",
        "mailgun",
        "sendgrid",
        "ses",
        "sns",
        "twilio",
        "spush",
    }
)
# Services that post to a host in the URL; the trailing "s" variants use TLS.
USER_HOST = frozenset(
    {
        "json",
        "xml",
        "form",
        "ntfy",
        "gotify",
        "mmost",
        "rocket",
        "matrix",
        "ncloud",
        "mailto",
        "apprise",
    }
)
_PORTS = {"mailto": 25, "mailtos": 465}


def scheme_of(url: str) -> str:
    return url.split("://", 1)[0].lower() if "://" in url else ""


def check_scheme(url: str) -> str | None:
    """Why an Apprise URL cannot be used, or None."""
    scheme = scheme_of(url)
    if scheme in FIXED_HOST or scheme in USER_HOST or scheme.removesuffix("s") in USER_HOST:
        return None
    return f"{scheme or 'this'}:// is not a notification EchoDash sends; supported: " + ", ".join(
        sorted(FIXED_HOST | USER_HOST)
    )


async def _guarded(url: str, allow: Sequence[Network]) -> Any:
    """The Apprise plugin for `url`, its host checked (and pinned, for plain HTTP)."""
    reason = check_scheme(url)
    if reason:
        raise Blocked(reason)
    plugin = apprise.Apprise.instantiate(url)
    if plugin is None:
        raise Blocked("Apprise cannot read this URL")
    scheme = scheme_of(url)
    if scheme in FIXED_HOST:
        return plugin
    host = getattr(plugin, "host", "") or ""
    if not host:  # the service's default host (ntfy.sh)
        return plugin
    secure = bool(getattr(plugin, "secure", False))
    port = getattr(plugin, "port", None) or _PORTS.get(scheme, 443 if secure else 80)
    destination = await resolve(host, int(port), allow)
    if not secure and scheme.removesuffix("s") in ("json", "xml", "form", "ntfy", "gotify"):
        plugin.host = destination.address
    return plugin


async def notify(url: str, title: str, body: str, allow: Sequence[Network] = ()) -> Attempt:
    """Send one notification; what Apprise said about it on failure."""
    try:
        plugin = await _guarded(url, allow)
    except Blocked as blocked:
        return Attempt(False, None, f"blocked: {blocked}")

    def send() -> Attempt:
        with apprise.LogCapture(level=apprise.logging.WARNING) as captured:  # type: ignore[no-untyped-call]
            ok = bool(plugin.notify(body=body, title=title))
            said = captured.getvalue().strip()
        return Attempt(ok, None, said[-2000:] if not ok else "sent")

    return await asyncio.to_thread(send)
