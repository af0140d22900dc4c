"""The settings pages through the real app: members and invitations, roles, retention,
personal API tokens, browser notifications and the e-mail digest."""

from __future__ import annotations

import html
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.testclient import TestClient

from echodash.app import create_app
from echodash.config import Settings
from echodash.crypto import hash_token
from echodash.setup_link import setup_token
from tests.support import GITHUB_FIXTURES, github_headers

BASE = "http://127.0.0.1:8000"
PASSWORD = "correct horse battery"


@dataclass
class Hub:
    app: Any  # the EchoDash app, with its services on app.state
    ada: TestClient  # the first admin

    @property
    def svc(self) -> Any:
        return self.app.state.services

    def call(self, fn: Any, *args: Any) -> Any:
        return self.ada.portal.call(fn, *args)  # type: ignore[union-attr]

    def browser(self) -> TestClient:
        """Another person's browser on the same running app (its own cookies)."""
        return TestClient(self.app, base_url=BASE, headers={"Accept": "text/html"})


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "no form with a CSRF field on the page"
    return found.group(1)


def text_of(page: str) -> str:
    """The page as a person reads it: no tags, entities decoded, spaces collapsed."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", page)).split())


def post(client: TestClient, path: str, page_path: str, **fields: Any) -> httpx.Response:
    """Submit a form the way the browser does: with the CSRF token of the page it is on."""
    token = csrf_of(client.get(page_path).text)
    response: httpx.Response = client.post(path, data={"csrf": token, **fields})
    return response


def user_id(hub: Hub, email: str) -> int:
    user = hub.call(hub.svc.store.find_user_by_email, email)
    assert user is not None
    return int(user.id)


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    app = create_app(Settings.from_env({}, data_dir=tmp_path))
    with TestClient(app, base_url=BASE, headers={"Accept": "text/html"}) as ada:
        tok = setup_token(app.state.services.box)
        r = ada.get(f"/setup?token={tok}")
        r = ada.post(
            f"/setup?token={tok}",
            data={
                "csrf": csrf_of(r.text),
                "name": "Ada",
                "email": "ada@example.com",
                "password": PASSWORD,
            },
            follow_redirects=False,
        )
        assert r.status_code == 303
        yield Hub(app, ada)


def invite(hub: Hub, role: str = "member") -> str:
    r = post(hub.ada, "/settings/invitations", "/settings/members", role=role)
    assert r.status_code == 200
    links = re.findall(r'data-copy="([^"]+)"', r.text)
    assert len(links) == 1 and links[0].startswith(f"{BASE}/invite/")
    assert "will not be shown again" in text_of(r.text)
    return str(links[0])


def join(hub: Hub, link: str, name: str, email: str) -> TestClient:
    bob = hub.browser()
    path = link.removeprefix(BASE)
    page = bob.get(path)
    assert page.status_code == 200
    r = bob.post(
        path,
        data={"csrf": csrf_of(page.text), "name": name, "email": email, "password": PASSWORD},
        follow_redirects=False,
    )
    assert r.status_code == 303
    return bob


def test_an_invitation_link_lets_a_second_person_join_as_member(hub: Hub) -> None:
    link = invite(hub)
    token = link.rsplit("/", 1)[1]
    # Only the hash is kept.
    invitation = hub.call(hub.svc.store.find_invitation, hash_token(token))
    assert invitation is not None and invitation.role == "member"
    assert token not in hub.ada.get("/settings/members").text
    bob = join(hub, link, "Bob", "bob@example.com")
    page = bob.get("/settings/members")
    assert page.status_code == 200
    seen = text_of(page.text)
    assert "Ada ada@example.com admin" in seen
    assert "Bob (you) bob@example.com member" in seen
    # A member sees the list only: no forms to change it.
    assert "/settings/invitations" not in page.text
    assert "/role" not in page.text and "/remove" not in page.text
    assert "Only an admin can invite people" in seen
    # The link works once.
    assert hub.browser().get(link.removeprefix(BASE)).status_code == 410


def test_members_cannot_invite_change_roles_remove_or_set_retention(hub: Hub) -> None:
    bob = join(hub, invite(hub), "Bob", "bob@example.com")
    ada_id, bob_id = user_id(hub, "ada@example.com"), user_id(hub, "bob@example.com")
    for path, fields in [
        ("/settings/invitations", {"role": "admin"}),
        (f"/settings/members/{bob_id}/role", {"role": "admin"}),
        (f"/settings/members/{ada_id}/role", {"role": "member"}),
        (f"/settings/members/{ada_id}/remove", {}),
        ("/settings/retention", {"keep": "days", "days": "30"}),
    ]:
        r = post(bob, path, "/settings/members", **fields)
        assert r.status_code == 403, path
        assert "Only an admin can" in text_of(r.text)
    members = hub.call(hub.svc.store.members, hub.svc.workspace_id)
    assert [(u.name, role) for u, role in members] == [("Ada", "admin"), ("Bob", "member")]
    assert hub.call(hub.svc.store.get_workspace, hub.svc.workspace_id).retention_days is None
    workspace_page = text_of(bob.get("/settings").text)
    assert "Events and deliveries are kept forever." in workspace_page
    assert "Only an admin can change how long events are kept." in workspace_page


def test_the_last_admin_cannot_be_demoted_or_removed(hub: Hub) -> None:
    ada_id = user_id(hub, "ada@example.com")
    r = post(hub.ada, f"/settings/members/{ada_id}/role", "/settings/members", role="member")
    assert r.status_code == 400
    assert "Ada is the only admin of this workspace" in text_of(r.text)
    r = post(hub.ada, f"/settings/members/{ada_id}/remove", "/settings/members")
    assert r.status_code == 400
    assert "only admin of this workspace and cannot be removed" in text_of(r.text)
    assert hub.call(hub.svc.store.role_of, hub.svc.workspace_id, ada_id) == "admin"

    # With a second admin, roles change and members can be removed.
    join(hub, invite(hub), "Bob", "bob@example.com")
    bob_id = user_id(hub, "bob@example.com")
    r = post(hub.ada, f"/settings/members/{bob_id}/role", "/settings/members", role="admin")
    assert r.status_code == 200 and "Role changed." in text_of(r.text)
    assert hub.call(hub.svc.store.role_of, hub.svc.workspace_id, bob_id) == "admin"
    r = post(hub.ada, f"/settings/members/{bob_id}/remove", "/settings/members")
    assert r.status_code == 200 and "Member removed." in text_of(r.text)
    assert "bob@example.com" not in r.text
    assert hub.call(hub.svc.store.role_of, hub.svc.workspace_id, bob_id) is None


def test_retention_is_saved_and_too_short_periods_are_explained(hub: Hub) -> None:
    r = post(hub.ada, "/settings/retention", "/settings", keep="days", days="3")
    assert r.status_code == 400
    assert "Keep events between 7 and 36500 days" in text_of(r.text)
    assert hub.call(hub.svc.store.get_workspace, hub.svc.workspace_id).retention_days is None
    r = post(hub.ada, "/settings/retention", "/settings", keep="days", days="30")
    assert r.status_code == 200
    seen = text_of(r.text)
    assert "Retention saved." in seen
    assert "Events and deliveries older than 30 days are deleted." in seen
    r = post(hub.ada, "/settings/retention", "/settings", keep="forever", days="30")
    assert "Events and deliveries are kept forever." in text_of(r.text)
    assert hub.call(hub.svc.store.get_workspace, hub.svc.workspace_id).retention_days is None


def test_a_personal_token_works_until_it_is_revoked(hub: Hub) -> None:
    r = post(hub.ada, "/settings/tokens", "/settings/tokens", name="")
    assert r.status_code == 400 and "Give the token a name" in text_of(r.text)
    r = post(hub.ada, "/settings/tokens", "/settings/tokens", name="deploy script")
    assert r.status_code == 200
    token = re.search(r'data-copy="(edk_[^"]+)"', r.text)
    assert token is not None
    secret = token.group(1)
    assert "Use it as Authorization: Bearer … ; it will not be shown again." in text_of(r.text)
    api = hub.browser()
    auth = {"Authorization": f"Bearer {secret}"}
    assert api.get("/api/v1/events", headers=auth).status_code == 200
    page = hub.ada.get("/settings/tokens")
    assert secret not in page.text
    assert "deploy script yours" in text_of(page.text)
    token_id = re.search(r'data-token-id="(\d+)"', page.text)
    assert token_id is not None

    r = post(hub.ada, f"/settings/tokens/{token_id.group(1)}/revoke", "/settings/tokens")
    assert r.status_code == 200
    seen = text_of(r.text)
    assert "Token revoked. It no longer works." in seen and "No API tokens yet." in seen
    assert hub.call(hub.svc.store.find_api_token, hash_token(secret)) is None
    assert api.get("/api/v1/events", headers=auth).status_code == 401


def test_members_revoke_only_their_own_tokens(hub: Hub) -> None:
    bob = join(hub, invite(hub), "Bob", "bob@example.com")
    post(hub.ada, "/settings/tokens", "/settings/tokens", name="ada's token")
    r = post(bob, "/settings/tokens", "/settings/tokens", name="bob's token")
    assert "bob's token yours" in text_of(r.text)
    tokens = {t.name: t.id for t in hub.call(hub.svc.store.list_tokens, hub.svc.workspace_id)}
    roles = {t.name: t.role for t in hub.call(hub.svc.store.list_tokens, hub.svc.workspace_id)}
    assert roles == {"ada's token": "admin", "bob's token": "member"}
    adas, bobs = tokens["ada's token"], tokens["bob's token"]
    page = bob.get("/settings/tokens").text
    # Bob sees Ada's token but no revoke button for it.
    assert "ada&#39;s token" in page
    assert f'action="/settings/tokens/{adas}/revoke"' not in page
    r = post(bob, f"/settings/tokens/{adas}/revoke", "/settings/tokens")
    assert r.status_code == 404
    # An admin revokes anyone's.
    r = post(hub.ada, f"/settings/tokens/{bobs}/revoke", "/settings/tokens")
    assert r.status_code == 200
    left = [t.name for t in hub.call(hub.svc.store.list_tokens, hub.svc.workspace_id)]
    assert left == ["ada's token"]


def test_posts_without_the_csrf_field_are_refused_and_change_nothing(hub: Hub) -> None:
    ws = hub.svc.workspace_id
    ada_id = user_id(hub, "ada@example.com")
    for path, fields in [
        ("/settings/retention", {"keep": "days", "days": "30"}),
        ("/settings/invitations", {"role": "member"}),
        (f"/settings/members/{ada_id}/role", {"role": "member"}),
        (f"/settings/members/{ada_id}/remove", {}),
        ("/settings/tokens", {"name": "sneaky"}),
        ("/settings/tokens/1/revoke", {}),
        ("/settings/notifications/browser", {"sources": "github"}),
        ("/settings/notifications/digest", {"frequency": "daily"}),
    ]:
        r = hub.ada.post(path, data=fields)
        assert r.status_code == 403, path
        assert "This form has expired or did not come from EchoDash" in text_of(r.text)
        r = hub.ada.post(path, data={**fields, "csrf": "wrong"})
        assert r.status_code == 403, path
    assert hub.call(hub.svc.store.get_workspace, ws).retention_days is None
    assert hub.call(hub.svc.store.role_of, ws, ada_id) == "admin"
    assert hub.call(hub.svc.store.list_tokens, ws) == []
    assert hub.call(hub.svc.store.get_setting, ws, ada_id, "notify") is None
    assert hub.call(hub.svc.store.get_setting, ws, ada_id, "digest") is None


def test_pages_need_a_signed_in_person(hub: Hub) -> None:
    stranger = hub.browser()
    for path in ["/settings", "/settings/members", "/settings/tokens",
                 "/settings/notifications", "/settings/digest/preview"]:  # fmt: skip
        r = stranger.get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"].startswith("/login?next=")


def add_github_events(hub: Hub) -> None:
    """A github endpoint made through the API, and two signed pushes delivered to it."""
    r = post(hub.ada, "/settings/tokens", "/settings/tokens", name="setup")
    secret = re.search(r'data-copy="(edk_[^"]+)"', r.text)
    assert secret is not None
    auth = {"Authorization": f"Bearer {secret.group(1)}"}
    endpoint = hub.ada.post("/api/v1/endpoints", json={"kind": "github"}, headers=auth).json()
    body = (GITHUB_FIXTURES / "push" / "payload.json").read_bytes()
    for _ in range(2):
        r = hub.ada.post(
            f"/in/{endpoint['slug']}",
            content=body,
            headers=github_headers(endpoint["secret"], body, "push"),
        )
        assert r.status_code in (200, 202), r.text
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        if len(hub.ada.get("/api/v1/events", headers=auth).json()["events"]) >= 2:
            return
        time.sleep(0.05)
    raise AssertionError("the deliveries did not become events")


def test_notification_and_digest_choices_are_saved_and_shown(hub: Hub) -> None:
    ws, ada_id = hub.svc.workspace_id, user_id(hub, "ada@example.com")
    page = hub.ada.get("/settings/notifications")
    assert page.status_code == 200
    seen = text_of(page.text)
    assert 'data-action="enable-notifications"' in page.text
    assert "Allow browser notifications" in seen
    assert "set ECHODASH_SMTP_HOST" in seen
    add_github_events(hub)
    page = hub.ada.get("/settings/notifications").text
    assert 'name="sources" value="github"' in page
    assert 'name="types" value="github:push"' in page

    # The two sections say the same about "nothing ticked", and offer the same narrowing.
    assert text_of(page).count("Tick nothing in a list to get all of it") == 2
    r = post(hub.ada, "/settings/notifications/browser", "/settings/notifications",
             enabled="on", sources=["github", "stripe"], types="github:push",
             severity="error+", outcomes="failure")  # fmt: skip
    assert r.status_code == 200 and "Browser notification choices saved." in text_of(r.text)
    saved = hub.call(hub.svc.store.get_setting, ws, ada_id, "notify")
    assert saved == {"enabled": True, "sources": ["github", "stripe"], "types": ["github:push"],
                     "severity": "error+", "outcomes": ["failure"]}  # fmt: skip
    assert 'name="enabled" checked' in r.text
    assert '<option value="error+" selected>Error or worse</option>' in r.text
    assert r.text.count('value="failure" checked') == 1
    assert r.text.count('value="github" checked') == 1
    assert r.text.count('value="stripe" checked') == 1
    assert r.text.count('value="github:push" checked') == 1

    # An earlier send is remembered when the subscription changes.
    sent = {"frequency": "daily", "sources": [], "types": [],
            "last_sent_at": "2024-05-01T09:00:00Z"}  # fmt: skip
    hub.call(hub.svc.store.put_setting, ws, ada_id, "digest", sent)
    r = post(hub.ada, "/settings/notifications/digest", "/settings/notifications",
             frequency="weekly", types="github:push", replays="on")  # fmt: skip
    assert r.status_code == 200 and "Digest settings saved." in text_of(r.text)
    saved = hub.call(hub.svc.store.get_setting, ws, ada_id, "digest")
    assert saved["frequency"] == "weekly" and saved["types"] == ["github:push"]
    assert (saved["severity"], saved["outcomes"], saved["replays"]) == ("", [], True)
    assert 'name="replays" checked' in r.text
    assert saved["sources"] == [] and saved["last_sent_at"].startswith("2024-05-01T09:00:00")
    assert '<option value="weekly" selected>' in r.text
    assert r.text.count('value="github:push" checked') == 2  # both forms

    r = post(hub.ada, "/settings/notifications/digest", "/settings/notifications",
             frequency="hourly")  # fmt: skip
    assert r.status_code == 400 and "off, daily or weekly" in text_of(r.text)
    r = post(hub.ada, "/settings/notifications/browser", "/settings/notifications",
             types="no-colon")  # fmt: skip
    assert r.status_code == 400 and "source:type" in text_of(r.text)
    r = post(hub.ada, "/settings/notifications/browser", "/settings/notifications",
             severity="apocalyptic")  # fmt: skip
    assert r.status_code == 400 and "Choose a severity from the list." in text_of(r.text)
    r = post(hub.ada, "/settings/notifications/digest", "/settings/notifications",
             frequency="daily", outcomes="exploded")  # fmt: skip
    assert r.status_code == 400 and "Choose outcomes from the list." in text_of(r.text)
    assert hub.call(hub.svc.store.get_setting, ws, ada_id, "notify")["types"] == ["github:push"]


def test_the_digest_preview_counts_the_events(hub: Hub) -> None:
    add_github_events(hub)
    r = hub.ada.get("/settings/digest/preview")
    assert r.status_code == 200
    # Only inline styles are let in for the e-mail's frame; it still cannot be framed itself.
    policy = r.headers["content-security-policy"]
    assert "style-src 'self' 'unsafe-inline'" in policy and "frame-ancestors 'none'" in policy
    assert "script-src 'self';" in policy
    subject = re.search(r'<span id="digest-subject">([^<]*)</span>', r.text)
    assert subject is not None
    assert html.unescape(subject.group(1)) == "EchoDash daily digest — Default: 2 events"
    frame = re.search(r"<iframe sandbox srcdoc=\"([^\"]*)\"", r.text)
    assert frame is not None
    framed = html.unescape(frame.group(1))
    assert framed.lstrip().lower().startswith(("<!doctype", "<html")) and "github" in framed
    text = re.search(r'<pre class="code">(.*?)</pre>', r.text, re.S)
    assert text is not None and "2" in text.group(1) and "push" in html.unescape(text.group(1))
    # Nothing was saved by looking.
    ada_id = user_id(hub, "ada@example.com")
    assert hub.call(hub.svc.store.get_setting, hub.svc.workspace_id, ada_id, "digest") is None


def test_the_workspace_is_renamed_by_an_admin_only(hub: Hub) -> None:
    r = post(hub.ada, "/settings/name", "/settings", name="   ")
    assert r.status_code == 400
    assert "A workspace name is 1 to 80 characters." in text_of(r.text)
    r = post(hub.ada, "/settings/name", "/settings", name="  Acme product  ")
    assert r.status_code == 200
    seen = text_of(r.text)
    assert "Workspace renamed." in seen and "Name Acme product" in seen
    assert hub.call(hub.svc.store.get_workspace, hub.svc.workspace_id).name == "Acme product"
    # Every page's workspace switcher shows the new name.
    assert "Acme product" in text_of(hub.ada.get("/sources").text)

    bob = join(hub, invite(hub), "Bob", "bob@example.com")
    assert 'action="/settings/name"' not in bob.get("/settings").text
    r = post(bob, "/settings/name", "/settings", name="Bob's now")
    assert r.status_code == 403 and "Only an admin can rename the workspace" in text_of(r.text)
    assert hub.call(hub.svc.store.get_workspace, hub.svc.workspace_id).name == "Acme product"


def test_pending_invitations_are_listed_and_can_be_withdrawn(hub: Hub) -> None:
    first = invite(hub, "member")
    invite(hub, "admin")
    page = hub.ada.get("/settings/members").text
    section = page[page.index('id="pending-invitations"') : page.index("<h2>Invite</h2>")]
    rows = re.findall(r"<tr>.*?</tr>", section, re.S)
    assert [text_of(r).split()[0] for r in rows[1:]] == ["admin", "member"]  # newest first
    assert all("Ada" in text_of(r) for r in rows[1:])
    # The link itself is never on the page again; a hash identifies it.
    assert first.rsplit("/", 1)[1] not in page

    member_row = rows[2]
    handle = re.search(r'name="invitation" value="([^"]+)"', member_row)
    assert handle is not None
    r = post(hub.ada, "/settings/invitations/revoke", "/settings/members",
             invitation=handle.group(1))  # fmt: skip
    assert r.status_code == 200
    assert "Invitation withdrawn: its link no longer works." in text_of(r.text)
    assert hub.browser().get(first.removeprefix(BASE)).status_code in (404, 410)
    again = post(hub.ada, "/settings/invitations/revoke", "/settings/members",
                 invitation=handle.group(1))  # fmt: skip
    assert again.status_code == 404

    # Once used, an invitation leaves the list; members see no list at all.
    bob = join(hub, invite(hub, "member"), "Bob", "bob@example.com")
    left = hub.ada.get("/settings/members").text
    section = left[left.index('id="pending-invitations"') : left.index("<h2>Invite</h2>")]
    assert [text_of(r).split()[0] for r in re.findall(r"<tr>.*?</tr>", section, re.S)[1:]] == [
        "admin"
    ]
    assert 'id="pending-invitations"' not in bob.get("/settings/members").text
    r = post(bob, "/settings/invitations/revoke", "/settings/members", invitation="x" * 64)
    assert r.status_code == 403


def test_the_only_admin_is_not_offered_remove_on_themselves(hub: Hub) -> None:
    page = hub.ada.get("/settings/members").text
    ada_id = user_id(hub, "ada@example.com")
    assert f"/settings/members/{ada_id}/remove" not in page
    assert "The only admin: make someone else an admin to leave." in text_of(page)
    join(hub, invite(hub), "Bob", "bob@example.com")
    bob_id = user_id(hub, "bob@example.com")
    page = hub.ada.get("/settings/members").text
    assert f"/settings/members/{bob_id}/remove" in page  # a member can be removed
    post(hub.ada, f"/settings/members/{bob_id}/role", "/settings/members", role="admin")
    page = hub.ada.get("/settings/members").text
    # Two admins: either may leave; Ada's own button says so.
    assert f"/settings/members/{ada_id}/remove" in page
    assert "Leave this workspace?" in html.unescape(page)
