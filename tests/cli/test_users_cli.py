"""`echodash users`: the first-admin link, listing accounts, and a forgotten password."""

from __future__ import annotations

import re
import subprocess
import time

import httpx

from tests.support import ECHODASH, Server, first_admin_client

PASSWORD = "correct horse battery staple"


def _csrf(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:300]
    return found.group(1)


def _logged_link(server: Server) -> str:
    deadline = time.monotonic() + 10
    while not (found := re.search(r"create the first admin at (\S+)", server.log())):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    return found.group(1)


def _sign_in(server: Server, email: str, password: str) -> int:
    with httpx.Client(base_url=server.url, timeout=10) as c:
        form = c.get("/login")
        answer = c.post(
            "/login", data={"csrf": _csrf(form.text), "email": email, "password": password}
        )
        return answer.status_code


def test_setup_link_list_and_set_password(server: Server) -> None:
    link = server.cli("users", "setup-link")
    assert link.returncode == 0, link.stderr
    assert link.stdout.strip() == _logged_link(server)
    assert "No accounts yet" in server.cli("users", "list").stdout

    with httpx.Client(timeout=10) as c:
        form = c.get(link.stdout.strip())
        created = c.post(
            link.stdout.strip(),
            data={"csrf": _csrf(form.text), "name": "Ada Lovelace", "email": "ada@example.com",
                  "password": PASSWORD},
        )  # fmt: skip
        assert created.status_code == 303
    listed = server.cli("users", "list").stdout
    assert "ada@example.com\tAda Lovelace\tDefault\tadmin" in listed
    refused = server.cli("users", "setup-link")
    assert refused.returncode == 1 and "an account exists already" in refused.stderr

    reset = subprocess.run(
        [ECHODASH, "users", "set-password", "ADA@example.com", "--password-stdin"],
        input="a brand new password\n",
        env=server.cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert reset.returncode == 0, reset.stderr
    assert _sign_in(server, "ada@example.com", "a brand new password") == 303
    assert _sign_in(server, "ada@example.com", PASSWORD) == 401

    short = subprocess.run(
        [ECHODASH, "users", "set-password", "ada@example.com", "--password-stdin"],
        input="short\n",
        env=server.cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert short.returncode == 2 and "at least 10 characters" in short.stderr
    unknown = subprocess.run(
        [ECHODASH, "users", "set-password", "nobody@example.com", "--password-stdin"],
        input="long enough password\n",
        env=server.cli_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert unknown.returncode == 1 and "no account has the e-mail" in unknown.stderr


def test_password_guessing_is_stopped_after_ten_wrong_tries(fresh_server: Server) -> None:
    server = fresh_server.start()
    link = server.cli("users", "setup-link").stdout.strip()
    with httpx.Client(timeout=10) as c:
        form = c.get(link)
        c.post(
            link,
            data={"csrf": _csrf(form.text), "name": "Ada", "email": "ada@example.com",
                  "password": PASSWORD},
        )  # fmt: skip
    answers = [_sign_in(server, "ada@example.com", f"guess number {n}") for n in range(10)]
    assert answers == [401] * 10
    with httpx.Client(base_url=server.url, timeout=10) as c:
        form = c.get("/login")
        blocked = c.post(
            "/login",
            data={"csrf": _csrf(form.text), "email": "ADA@example.com", "password": PASSWORD},
        )
    assert blocked.status_code == 429
    assert "Too many wrong passwords. Try again in 15 minutes" in blocked.text


def test_an_invitation_link_is_no_way_around_the_password_limit(fresh_server: Server) -> None:
    server = fresh_server.start()
    with first_admin_client(server, PASSWORD) as admin:
        page = admin.get("/settings/members")
        invited = admin.post(
            "/settings/invitations",
            data={"csrf": _csrf(page.text), "role": "member"},
            follow_redirects=True,
        )
        link = re.search(r"/invite/[A-Za-z0-9_-]+", invited.text)
        assert link, invited.text
    with httpx.Client(base_url=server.url, timeout=10) as guesser:
        form = guesser.get(link.group(0))
        csrf = _csrf(form.text)
        tries = [
            guesser.post(
                link.group(0),
                data={"csrf": csrf, "email": "ada@example.com", "password": f"guess {n}",
                      "name": "x"},
            ).status_code
            for n in range(11)
        ]  # fmt: skip
    assert tries == [401] * 10 + [429]
