"""Accounts under attack: invitation links used twice or to demote oneself, a revoked
bootstrap token, sessions left signed in after a password reset (issue 10)."""

from __future__ import annotations

import re
import subprocess

import httpx

from tests.people import PASSWORD, Person, csrf_of, first_admin, invitation, join
from tests.support import ECHODASH, Server


def _accounts(server: Server) -> str:
    listed = server.cli("users", "list")
    assert listed.returncode == 0, listed.stderr
    return listed.stdout


def test_a_used_invitation_creates_no_account(fresh_server: Server) -> None:
    server = fresh_server.start()
    ada = first_admin(server)
    link = invitation(ada)
    join(server, link, "bob@example.com")
    squatter = Person(server, "squatter@example.com")
    assert squatter.client.get(link).status_code == 410
    # Posting to the link anyway (a form kept open from before): refused, nothing is made.
    csrf = csrf_of(squatter.client.get("/login").text)
    answer = squatter.client.post(
        link,
        data={"csrf": csrf, "name": "Mallory", "email": "squatter@example.com",
              "password": PASSWORD},
    )  # fmt: skip
    assert answer.status_code == 410
    assert "squatter@example.com" not in _accounts(server)
    # So the address is still free for its owner's real invitation.
    join(server, invitation(ada), "squatter@example.com")
    assert "squatter@example.com" in _accounts(server)


def test_following_a_member_invitation_never_demotes_an_admin(fresh_server: Server) -> None:
    server = fresh_server.start()
    ada = first_admin(server)
    link = invitation(ada, "member")
    form = ada.client.get(link)
    assert form.status_code == 200
    joined = ada.client.post(link, data={"csrf": csrf_of(form.text)})
    assert joined.status_code == 303
    ada.refresh()
    members = ada.client.get("/settings/members").text
    assert re.search(r"ada@example.com</td>\s*<td><span class=\"chip\">admin", members)
    # Still able to do what admins do.
    invited = ada.post("/settings/invitations", role="member")
    assert invited.status_code == 303 and invited.headers["location"] == "/settings/members"


def test_a_revoked_bootstrap_token_stays_revoked_across_restarts(fresh_server: Server) -> None:
    server = fresh_server.start()
    ada = first_admin(server)
    page = ada.client.get("/settings/tokens").text
    found = re.search(r"bootstrap.*?/settings/tokens/(\d+)/revoke", page, re.S)
    assert found, page
    assert ada.post(f"/settings/tokens/{found.group(1)}/revoke").status_code == 303
    server.stop()
    server.start()  # ECHODASH_BOOTSTRAP_TOKEN is still set: no crash loop
    assert "was revoked and is not created again" in server.log()
    with server.client() as api:
        assert api.get("/api/v1/events").status_code == 401
    server.stop()
    server.start()
    assert httpx.get(server.url + "/healthz").status_code == 200


def test_a_new_password_signs_the_account_out_everywhere(fresh_server: Server) -> None:
    server = fresh_server.start()
    ada = first_admin(server)
    assert ada.client.get("/settings").status_code == 200
    reset = subprocess.run(
        [ECHODASH, "users", "set-password", "ada@example.com", "--password-stdin"],
        input="a brand new password\n",
        env=server.cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert reset.returncode == 0, reset.stderr
    assert "Signed out everywhere (1 session ended)." in reset.stdout
    gone = ada.client.get("/settings")
    assert gone.status_code == 303 and gone.headers["location"].startswith("/login")
