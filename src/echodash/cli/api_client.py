"""Commands that work through a server's REST API (rules, alerts): its URL, a token, and one
clear line when a call fails."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import click
import httpx
import orjson

from echodash.cli.context import settings_from
from echodash.events import iso, utcnow

_AGO = re.compile(r"([0-9]{1,6})([mhdw])")
_UNITS = {"m": "minutes", "h": "hours", "d": "days", "w": "weeks"}


def api_options(fn: Callable[..., Any]) -> Callable[..., Any]:
    """`--url` and `--token`, as `events tail` takes them."""
    fn = click.option(
        "--token",
        envvar="ECHODASH_TOKEN",
        show_envvar=True,
        default=None,
        help="API token (admin to change rules).",
    )(fn)
    return click.option(
        "--url",
        envvar="ECHODASH_URL",
        show_envvar=True,
        default=None,
        help="The server [default: ECHODASH_PUBLIC_URL, else http://HOST:PORT].",
    )(fn)


class Api:
    """One server's REST API, called with an API token."""

    def __init__(self, ctx: click.Context, url: str | None, token: str | None) -> None:
        if not token:
            raise click.UsageError("an API token is needed: --token or ECHODASH_TOKEN")
        self.base = (url or settings_from(ctx).base_url).rstrip("/")
        self.headers = {"Authorization": f"Bearer {token}"}

    def call(
        self,
        method: str,
        path: str,
        body: Any = None,
        params: dict[str, str] | None = None,
        content: bytes | None = None,
    ) -> Any:
        """The answer's JSON (None for 204); a ClickException with the server's words when
        it refuses, or when it cannot be reached."""
        headers = dict(self.headers)
        if content is not None:
            headers["Content-Type"] = "application/json"
        try:
            answer = httpx.request(
                method,
                self.base + path,
                json=body,
                content=content,
                params={k: v for k, v in (params or {}).items() if v},
                headers=headers,
                timeout=60.0,
            )
        except httpx.TransportError as exc:
            raise click.ClickException(f"cannot reach {self.base}: {exc}") from None
        if answer.status_code == 204:
            return None
        try:
            document = orjson.loads(answer.content)
        except orjson.JSONDecodeError:
            document = None
        if answer.status_code >= 400:
            detail = document.get("detail") if isinstance(document, dict) else None
            raise click.ClickException(detail or f"the server answered {answer.status_code}")
        return document


def moment_option(value: str | None) -> str | None:
    """`7d`, `12h`, `30m`, `2w` ago as an ISO time; anything else is passed on as given
    (ISO-8601 or Unix seconds, which the server checks)."""
    if not value:
        return None
    found = _AGO.fullmatch(value.strip())
    if found is None:
        return value
    span = timedelta(**{_UNITS[found.group(2)]: int(found.group(1))})
    return iso(utcnow() - span)
