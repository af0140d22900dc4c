"""HTML pages: one Jinja2 environment, the layout's context, and the headers every page has."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any
from urllib.parse import quote

import jinja2
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from echodash.config import Settings
from echodash.store.base import Membership
from echodash.web import present, source_assets
from echodash.web.responses import services
from echodash.web.sessions import Viewer, current_viewer

STATIC_DIR = Path(__file__).parent / "static"

# Pages load scripts and styles only from EchoDash itself; no page can be framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


class LoginRequired(Exception):
    """A page asked for by someone not signed in: they are sent to the login page."""

    def __init__(self, next_url: str) -> None:
        super().__init__(next_url)
        self.next_url = next_url


@cache
def environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("echodash.web", "templates"),
        autoescape=True,
        trim_blocks=True,
        lstrip_blocks=True,
        undefined=jinja2.StrictUndefined,
    )
    env.globals["static"] = static_url
    env.globals["source_sprite"] = source_assets.sprite_url
    env.globals["source_styles"] = source_assets.stylesheet_url
    env.globals["source_label"] = present.source_label
    env.filters["ago"] = present.ago
    env.filters["exact"] = present.exact
    env.filters["iso"] = present.iso_z
    env.filters["number"] = present.number
    env.filters["size"] = present.size
    return env


@cache
def _static_version(name: str) -> str:
    path = STATIC_DIR / name
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    except OSError:
        return "0"


def static_url(name: str) -> str:
    """A static file's URL, changed whenever the file changes (so it can be cached)."""
    return f"/static/{name}?v={_static_version(name)}"


async def require_viewer(request: Request) -> Viewer:
    viewer = await current_viewer(request)
    if viewer is None:
        raise LoginRequired(
            request.url.path + (f"?{request.url.query}" if request.url.query else "")
        )
    return viewer


def login_redirect(exc: LoginRequired) -> Response:
    return RedirectResponse(f"/login?next={quote(exc.next_url, safe='')}", status_code=303)


def render(
    template: str, context: dict[str, Any], status: int = 200, headers: dict[str, str] | None = None
) -> HTMLResponse:
    html = environment().get_template(template).render(context)
    return HTMLResponse(html, status_code=status, headers={**SECURITY_HEADERS, **(headers or {})})


def may_create_workspaces(settings: Settings, memberships: Sequence[Membership]) -> bool:
    """ECHODASH_WORKSPACE_CREATORS: everyone signed in, or only admins of some workspace."""
    return settings.workspace_creators == "everyone" or any(m.role == "admin" for m in memberships)


async def page(
    request: Request,
    viewer: Viewer,
    template: str,
    nav: str,
    status: int = 200,
    **context: Any,
) -> HTMLResponse:
    """A page inside the app's layout (sidebar, top bar, workspace switcher)."""
    svc = services(request)
    memberships = await svc.store.memberships(viewer.user.id)
    current = next((m for m in memberships if m.workspace_id == viewer.workspace_id), None)
    # The sidebar's count of firing alerts: one indexed query per page.
    firing = (await svc.store.count_open_alerts(viewer.workspace_id)).get("firing", 0)
    layout = {
        "alerts_firing": firing,
        "can_create_workspaces": may_create_workspaces(svc.settings, memberships),
        "viewer": viewer,
        "csrf": viewer.csrf_token,
        "nav": nav,
        "memberships": memberships,
        "workspace_name": current.workspace_name if current else "",
        "q": request.query_params.get("q", ""),
    }
    return render(template, {**layout, **context}, status)


def fragment(
    template: str, response_headers: dict[str, str] | None = None, **context: Any
) -> HTMLResponse:
    """A piece of a page fetched by the page's script (rows, the event panel, a preview)."""
    return render(template, context, headers=response_headers)


def safe_next(url: str | None) -> str:
    """Only local paths are followed after login, never another site."""
    if not url or not url.startswith("/") or url.startswith("//") or "\\" in url:
        return "/"
    return url


_HEADINGS = {400: "That did not work", 401: "Please sign in", 403: "Not allowed",
             404: "Not found", 410: "Gone", 413: "Too large"}  # fmt: skip


def render_error(status: int, detail: str) -> HTMLResponse:
    """An error as a page a person can read, with a way back."""
    heading = _HEADINGS.get(status, "Something went wrong")
    return render("error.html", {"heading": heading, "detail": detail}, status)
