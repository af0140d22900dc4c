"""First-run setup, login, logout, invitations and switching workspaces."""

from __future__ import annotations

import asyncio
import hmac
import logging
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from echodash.crypto import hash_token
from echodash.events import utcnow
from echodash.passwords import burn_time, check_password, hash_password, password_problem
from echodash.setup_link import setup_token
from echodash.store.base import EmailTakenError, InvitationRecord, UserRecord
from echodash.web.known_devices import known_device, remember_device
from echodash.web.login_limits import SignInAttempt, address_key
from echodash.web.pages import may_create_workspaces, render, require_viewer, safe_next
from echodash.web.params import parse_id
from echodash.web.responses import ApiError, services
from echodash.web.services import Services
from echodash.web.sessions import (
    anon_csrf_token,
    current_viewer,
    end_session,
    remember_anon_csrf,
    start_session,
)
from echodash.web.views.forms import anonymous_form, see_other, viewer_form
from echodash.workspaces import MAX_NAME, workspace_name

log = logging.getLogger("echodash")


def _auth_page(request: Request, heading: str, status: int = 200, **context: Any) -> HTMLResponse:
    csrf = anon_csrf_token(request)
    defaults: dict[str, Any] = {
        "heading": heading,
        "intro": "",
        "error": "",
        "notice": "",
        "action": "",
        "inputs": [],
        "submit": "",
        "footer": "",
        "next": "",
        "csrf": csrf,
    }
    page = render("auth.html", {**defaults, **context}, status)
    remember_anon_csrf(request, page, csrf)
    return page


def _account_inputs(email: str = "", name: str = "") -> list[tuple[str, str, str, str, str]]:
    return [
        ("name", "Your name", "text", name, ""),
        ("email", "E-mail", "email", email, ""),
        ("password", "Password", "password", "", "At least 10 characters."),
    ]


async def _valid_setup_token(request: Request, token: str | None) -> bool:
    svc = services(request)
    return bool(token) and hmac.compare_digest(
        (token or "").encode(), setup_token(svc.box).encode()
    )


async def setup_form(request: Request) -> Response:
    svc = services(request)
    token = request.query_params.get("token", "")
    if await svc.store.count_users() > 0:
        return _auth_page(
            request,
            "EchoDash is set up",
            notice="The first admin exists already. Sign in, or ask an admin for an invitation.",
            footer="",
            status=410,
        )
    if not await _valid_setup_token(request, token):
        return _auth_page(
            request,
            "Setup link needed",
            error="Open the one-time setup link that echodash serve printed when it started.",
            status=403,
        )
    return _auth_page(
        request,
        "Create the first admin",
        intro="This account will administer the Default workspace. You can invite your team next.",
        action=f"/setup?token={token}",
        inputs=_account_inputs(),
        submit="Create account",
    )


async def setup_submit(request: Request) -> Response:
    svc = services(request)
    token = request.query_params.get("token", "")
    form = await anonymous_form(request)
    if not await _valid_setup_token(request, token) or await svc.store.count_users() > 0:
        return await setup_form(request)
    user, error = await _new_account(svc, form)
    if user is None:
        return _auth_page(
            request,
            "Create the first admin",
            error=error,
            action=f"/setup?token={token}",
            inputs=_account_inputs(form.get("email", ""), form.get("name", "")),
            submit="Create account",
            status=400,
        )
    if await svc.store.count_users() > 1:
        # Two people used the link at the same moment: only the first becomes admin.
        log.warning("first-admin setup raced; %s was not made admin", user.email)
        return _auth_page(request, "EchoDash is set up", notice="Sign in instead.", status=409)
    await svc.store.add_member(svc.workspace_id, user.id, "admin")
    log.info("first admin created: %s", user.email)
    # With the demo company loaded (`serve --demo`), its feed first: its banner says how to
    # connect one's own tools. Otherwise straight to connecting the first one.
    demo = await svc.store.demo_marks(svc.workspace_id) != {}
    response = see_other("/" if demo else "/sources?welcome=1")
    await start_session(request, response, user.id, svc.workspace_id)
    remember_device(request, response, user.email)
    return response


async def _new_account(svc: Services, form: dict[str, str]) -> tuple[UserRecord | None, str]:
    name = form.get("name", "").strip()
    email = form.get("email", "").strip()
    password = form.get("password", "")
    if not name or len(name) > 100:
        return None, "Enter your name (100 characters at most)."
    if "@" not in email or len(email) > 254 or " " in email:
        return None, "Enter a valid e-mail address."
    problem = password_problem(password)
    if problem:
        return None, problem
    try:
        return await svc.store.create_user(email, name, await hash_password(password)), ""
    except EmailTakenError:
        return None, "An account with this e-mail exists already. Sign in instead."


async def login_form(request: Request) -> Response:
    if await current_viewer(request) is not None:
        return see_other(safe_next(request.query_params.get("next")))
    svc = services(request)
    if await svc.store.count_users() == 0:
        return _auth_page(
            request,
            "Welcome to EchoDash",
            notice="No account exists yet. Open the setup link echodash serve printed "
            "in its log to create the first admin.",
        )
    return _login_page(request, request.query_params.get("next", ""))


def _login_page(
    request: Request, next_url: str, email: str = "", error: str = "", status: int = 0
) -> Response:
    return _auth_page(
        request,
        "Sign in",
        error=error,
        action="/login",
        inputs=[
            ("email", "E-mail", "email", email, ""),
            ("password", "Password", "password", "", ""),
        ],
        submit="Sign in",
        next=safe_next(next_url),
        status=status or (401 if error else 200),
    )


async def authenticate(
    request: Request, email: str, password: str
) -> tuple[UserRecord | None, str, int]:
    """The account these credentials open, or why not: (None, a sentence, a status).

    Every password check goes through here, so guessing is slowed wherever it is tried (see
    web/login_limits.py). The caller marks the browser as a known device on success."""
    svc = services(request)
    attempt = SignInAttempt(
        account=email.lower(),
        address=address_key(request.client.host if request.client else ""),
        device=known_device(request, email.lower()),
    )
    wait = svc.sign_in_limits.wait_seconds(attempt)
    if wait:
        minutes = max(1, round(wait / 60))
        return (
            None,
            f"Too many wrong passwords. Try again in {minutes} minute{'s' if minutes > 1 else ''}"
            " — or ask an admin to run: echodash users set-password.",
            429,
        )
    user = await svc.store.find_user_by_email(email) if email else None
    if user is None:
        # As long as a real check, so an unknown e-mail cannot be told from a wrong password.
        await asyncio.to_thread(burn_time, password)
        ok, rehashed = False, None
    else:
        ok, rehashed = await check_password(user.password_hash, password)
    if user is None or not ok:
        svc.sign_in_limits.failed(attempt)
        return None, "That e-mail and password do not match.", 401
    svc.sign_in_limits.succeeded(attempt)
    if rehashed:
        await svc.store.set_password_hash(user.id, rehashed)
    return user, "", 200


async def login_submit(request: Request) -> Response:
    svc = services(request)
    form = await anonymous_form(request)
    email = form.get("email", "").strip()
    next_url = safe_next(form.get("next"))
    user, problem, status = await authenticate(request, email, form.get("password", ""))
    if user is None:
        return _login_page(request, next_url, email, problem, status)
    memberships = await svc.store.memberships(user.id)
    if not memberships:
        return _login_page(
            request, next_url, email, "You are not in any workspace any more. Ask an admin."
        )
    response = see_other(next_url)
    await start_session(request, response, user.id, memberships[0].workspace_id)
    remember_device(request, response, user.email)
    return response


async def logout(request: Request) -> Response:
    viewer = await require_viewer(request)
    await viewer_form(request, viewer)
    response = see_other("/login")
    await end_session(request, response)
    services(request).bus.access_changed(viewer.workspace_id)
    return response


def _usable(invitation: InvitationRecord) -> bool:
    return invitation.accepted_by is None and invitation.expires_at > utcnow()


async def invitation_form(request: Request) -> Response:
    svc = services(request)
    token = request.path_params["token"]
    invitation = await svc.store.find_invitation(hash_token(token))
    if invitation is None or not _usable(invitation):
        return _auth_page(
            request,
            "This invitation cannot be used",
            error="It was used already or has expired. Ask an admin for a new link.",
            status=410,
        )
    workspace = await svc.store.get_workspace(invitation.workspace_id)
    name = workspace.name if workspace else "a workspace"
    viewer = await current_viewer(request)
    if viewer is not None:
        return _auth_page(
            request,
            f"Join {name}",
            intro=f"You are signed in as {viewer.user.email}. Join as {invitation.role}?",
            action=f"/invite/{token}",
            submit=f"Join {name}",
            csrf=viewer.csrf_token,  # the form is sent with the session, checked as such
        )
    return _auth_page(
        request,
        f"Join {name} on EchoDash",
        intro=f"You are invited as {invitation.role}. Create your account, or use the e-mail "
        "and password of the account you have.",
        action=f"/invite/{token}",
        inputs=_account_inputs(),
        submit="Join",
    )


async def invitation_submit(request: Request) -> Response:
    svc = services(request)
    token = request.path_params["token"]
    viewer = await current_viewer(request)
    form = await (viewer_form(request, viewer) if viewer else anonymous_form(request))
    invitation = await svc.store.find_invitation(hash_token(token))
    if invitation is None or not _usable(invitation):
        # Checked before any account is made or password checked: a used or expired link
        # creates nothing (no squatting an e-mail, no free password hashing).
        return await invitation_form(request)
    user: UserRecord | None
    if viewer is not None:
        user = viewer.user
    else:
        email = form.get("email", "").strip()
        if await svc.store.find_user_by_email(email) is not None:
            # Joining with the account one has: the same (throttled) check as signing in.
            user, problem, status = await authenticate(request, email, form.get("password", ""))
        else:
            user, problem = await _new_account(svc, form)
            status = 400
        if user is None:
            return _auth_page(
                request,
                "Join",
                error=problem,
                action=f"/invite/{token}",
                inputs=_account_inputs(email, form.get("name", "")),
                submit="Join",
                status=status,
            )
    if not await svc.store.accept_invitation(hash_token(token), user.id, utcnow()):
        return await invitation_form(request)
    response = see_other("/")
    if viewer is not None:
        await svc.store.switch_session_workspace(viewer.session_hash, invitation.workspace_id)
    else:
        await start_session(request, response, user.id, invitation.workspace_id)
        remember_device(request, response, user.email)
    return response


async def switch_workspace(request: Request) -> Response:
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    svc = services(request)
    workspace_id = parse_id(form.get("workspace"))
    if workspace_id is None or await svc.store.role_of(workspace_id, viewer.user.id) is None:
        raise ApiError(404, "not_found", "You are not a member of that workspace.")
    await svc.store.switch_session_workspace(viewer.session_hash, workspace_id)
    return see_other("/")


async def create_workspace(request: Request) -> Response:
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    try:
        name = workspace_name(form.get("name", ""))
    except ValueError:
        raise ApiError(
            400, "bad_name", f"Give the workspace a name of 1 to {MAX_NAME} characters."
        ) from None
    svc = services(request)
    if not may_create_workspaces(svc.settings, await svc.store.memberships(viewer.user.id)):
        raise ApiError(
            403,
            "forbidden",
            "Only admins can create workspaces on this EchoDash; ask one to invite you instead.",
        )
    workspace_id = await svc.store.create_workspace(name)
    await svc.store.add_member(workspace_id, viewer.user.id, "admin")
    await svc.store.switch_session_workspace(viewer.session_hash, workspace_id)
    return see_other("/sources")
