"""Settings: the workspace's members, their roles, and invitation links."""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from echodash.crypto import hash_token
from echodash.events import utcnow
from echodash.store.base import ROLES, UserRecord
from echodash.web.once import cleared, show_once, take_once
from echodash.web.pages import require_viewer
from echodash.web.params import parse_id
from echodash.web.responses import ApiError, services
from echodash.web.sessions import Viewer
from echodash.web.views.forms import see_other, viewer_form
from echodash.web.views.settings import settings_page

INVITATION_LIFETIME = timedelta(days=7)


async def _members_page(
    request: Request, viewer: Viewer, status: int = 200, **context: Any
) -> HTMLResponse:
    store = services(request).store
    members = await store.members(viewer.workspace_id)
    pending = (
        await store.pending_invitations(viewer.workspace_id, utcnow()) if viewer.is_admin else []
    )
    people = {user.id: user.name for user, _ in members}
    defaults: dict[str, Any] = {
        "members": members,
        "admins": sum(1 for _, role in members if role == "admin"),
        "pending": [
            {
                "id": token_hash,
                "role": invitation.role,
                "by": people.get(invitation.created_by, "a former member"),
                "created_at": invitation.created_at,
                "expires_at": invitation.expires_at,
            }
            for token_hash, invitation in pending
        ],
        "roles": ROLES,
        "invite_link": "",
        "invite_role": "",
    }
    return await settings_page(
        request, viewer, "settings_members.html", "members", status, **{**defaults, **context}
    )


async def members_settings(request: Request) -> Response:
    viewer = await require_viewer(request)
    once = take_once(request, viewer)
    answer = await _members_page(
        request,
        viewer,
        invite_link=once.get("link", ""),
        invite_role=once.get("role", ""),
    )
    return cleared(request, answer)


async def _target(request: Request, viewer: Viewer) -> tuple[UserRecord, str, int]:
    """The member a form is about, their role, and how many admins the workspace has."""
    user_id = parse_id(request.path_params["user_id"])
    members = await services(request).store.members(viewer.workspace_id)
    admins = sum(1 for _, role in members if role == "admin")
    for user, role in members:
        if user.id == user_id:
            return user, role, admins
    raise ApiError(404, "not_found", "This person is not a member of this workspace.")


async def change_role(request: Request) -> Response:
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    viewer.require_admin("change someone's role")
    role = form.get("role", "")
    if role not in ROLES:
        return await _members_page(request, viewer, 400, error="Choose the role admin or member.")
    user, current, admins = await _target(request, viewer)
    if current == "admin" and role != "admin" and admins <= 1:
        return await _members_page(
            request,
            viewer,
            400,
            error=f"{user.name} is the only admin of this workspace. Make someone else an "
            "admin first, so the workspace keeps one.",
        )
    if role != current:
        svc = services(request)
        await svc.store.add_member(viewer.workspace_id, user.id, role)
        svc.bus.access_changed(viewer.workspace_id)  # their open streams, on every node
    return see_other("/settings/members?done=role")


async def remove_member(request: Request) -> Response:
    viewer = await require_viewer(request)
    await viewer_form(request, viewer)
    viewer.require_admin("remove someone from the workspace")
    user, current, admins = await _target(request, viewer)
    if current == "admin" and admins <= 1:
        return await _members_page(
            request,
            viewer,
            400,
            error=f"{user.name} is the only admin of this workspace and cannot be removed. "
            "Make someone else an admin first.",
        )
    svc = services(request)
    await svc.store.remove_member(viewer.workspace_id, user.id)
    svc.bus.access_changed(viewer.workspace_id)
    if user.id == viewer.user.id:
        return see_other("/")
    return see_other("/settings/members?done=removed")


async def create_invitation(request: Request) -> Response:
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    viewer.require_admin("invite people")
    role = form.get("role", "")
    if role not in ROLES:
        return await _members_page(
            request, viewer, 400, error="Choose the role admin or member for the invitation."
        )
    svc = services(request)
    token = secrets.token_urlsafe(24)
    await svc.store.create_invitation(
        hash_token(token), viewer.workspace_id, role, viewer.user.id, utcnow() + INVITATION_LIFETIME
    )
    # The link is shown on the next view of the members page only; the store keeps just the
    # token's hash.
    answer = see_other("/settings/members")
    link = f"{svc.settings.base_url}/invite/{token}"
    show_once(request, answer, viewer, "/settings/members", {"link": link, "role": role})
    return answer


async def revoke_invitation(request: Request) -> Response:
    """Withdraw an unused link: the person it was sent to can no longer join with it."""
    viewer = await require_viewer(request)
    form = await viewer_form(request, viewer)
    viewer.require_admin("withdraw invitations")
    token_hash = form.get("invitation", "")
    if not (len(token_hash) <= 128 and token_hash.isascii()) or not await services(
        request
    ).store.revoke_invitation(viewer.workspace_id, token_hash):
        return await _members_page(
            request, viewer, 404, error="That invitation was used, has expired, or is gone."
        )
    return see_other("/settings/members?done=uninvited")
