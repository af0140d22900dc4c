"""Every registered sender's mark and colours, served as one sprite and one stylesheet.

Built from the sender classes (their `icon` and `colour`), so a plugin's sender shows its own
mark everywhere a built-in one does. Both are made once per process and served with a
version in the URL, like the static files.
"""

from __future__ import annotations

import hashlib
import re
from functools import cache

from starlette.requests import Request
from starlette.responses import Response

from echodash.sources import Source, source_classes

_CLASS_SAFE = re.compile(r"[^a-z0-9_-]")
_COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}|[a-z]{3,20}")
_FALLBACK_COLOUR = ("#64748b", "#a3b1c4")


def css_name(kind: str) -> str:
    """A kind as it may appear in a CSS class or an SVG id."""
    return _CLASS_SAFE.sub("-", kind.lower())


@cache
def sprite() -> bytes:
    symbols = "".join(
        f'<symbol id="src-{css_name(kind)}" viewBox="0 0 24 24">{cls.icon}</symbol>'
        for kind, cls in source_classes().items()
    )
    return f'<svg xmlns="http://www.w3.org/2000/svg">{symbols}</svg>'.encode()


@cache
def stylesheet() -> bytes:
    rules = [
        f".src-{css_name(kind)} {{ color: light-dark({light}, {dark}); }}"
        for kind, cls in source_classes().items()
        for light, dark in [_colours(cls)]
    ]
    return ("\n".join(rules) + "\n").encode()


def _colours(cls: type[Source]) -> tuple[str, str]:
    # The colours end up in a stylesheet: only plain colour values are taken from a plugin.
    colour = getattr(cls, "colour", _FALLBACK_COLOUR)
    if (
        isinstance(colour, tuple)
        and len(colour) == 2
        and all(isinstance(c, str) and _COLOUR.fullmatch(c) for c in colour)
    ):
        return colour[0], colour[1]
    return _FALLBACK_COLOUR


@cache
def _version(kind: str) -> str:
    data = sprite() if kind == "svg" else stylesheet()
    return hashlib.sha256(data).hexdigest()[:10]


def sprite_url() -> str:
    return f"/assets/sources.svg?v={_version('svg')}"


def stylesheet_url() -> str:
    return f"/assets/sources.css?v={_version('css')}"


def icon_id(kind: str) -> str:
    """The sprite symbol of a kind: its own when its sender is installed, else a plain one."""
    return css_name(kind) if kind in source_classes() else "generic"


async def serve_sprite(request: Request) -> Response:
    return _asset(sprite(), "image/svg+xml")


async def serve_stylesheet(request: Request) -> Response:
    return _asset(stylesheet(), "text/css; charset=utf-8")


def _asset(body: bytes, media_type: str) -> Response:
    return Response(
        body,
        media_type=media_type,
        headers={
            "Cache-Control": "public, max-age=31536000, immutable",
            "X-Content-Type-Options": "nosniff",
        },
    )
