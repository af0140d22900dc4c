"""People signed in to a real server, as attackers and victims need them: the first admin,
members and admins joining through invitation links, personal API tokens."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass, field
from typing import Any

import httpx

from tests.support import Server

PASSWORD = "correct horse battery staple"


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', html) or re.search(
        r'name="csrf-token" content="([^"]+)"', html
    )
    assert found, html[:500]
    return found.group(1)


@dataclass
class Person:
    """A browser signed in to `server` (cookies kept), and what it learned on the way."""

    server: Server
    email: str
    client: httpx.Client = field(init=False)
    csrf: str = ""

    def __post_init__(self) -> None:
        self.client = httpx.Client(
            base_url=self.server.url, timeout=30, headers={"accept": "text/html"}
        )

    def refresh(self) -> Person:
        """Read the session's CSRF token again (after joining or switching workspace)."""
        self.csrf = csrf_of(self.client.get("/settings").text)
        return self

    def post(self, path: str, **fields: Any) -> httpx.Response:
        """A form post with the session's CSRF token."""
        return self.client.post(path, data={"csrf": self.csrf, **fields})

    def api(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The JSON API with the browser's session (scripts send the CSRF header)."""
        headers = {"accept": "application/json", "X-CSRF-Token": self.csrf}
        return self.client.request(method, path, headers=headers, **kwargs)

    def personal_token(self, name: str = "laptop") -> str:
        # The form leads to the tokens page, which shows the new token once.
        page = self.client.post(
            "/settings/tokens", data={"csrf": self.csrf, "name": name}, follow_redirects=True
        )
        assert page.status_code == 200, page.text
        found = re.search(r"(edk_[A-Za-z0-9_-]{20,})", page.text)
        assert found, page.text
        return found.group(1)

    def user_id(self, admin: Person) -> int:
        """This person's id, as the admin's members page shows it."""
        page = admin.client.get("/settings/members").text
        for row in re.finditer(r'<tr data-user-id="(\d+)">(.*?)</tr>', page, re.S):
            if f"<td>{self.email}</td>" in row.group(2):
                return int(row.group(1))
        raise AssertionError(f"{self.email} is not on the members page")

    def close(self) -> None:
        self.client.close()


def setup_link(server: Server) -> str:
    deadline = time.monotonic() + 10
    while not (found := re.search(r"create the first admin at (\S+)", server.log())):
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.05)
    return found.group(1).removeprefix(server.url)


def first_admin(server: Server, email: str = "ada@example.com") -> Person:
    ada = Person(server, email)
    link = setup_link(server)
    form = ada.client.get(link)
    answer = ada.client.post(
        link,
        data={"csrf": csrf_of(form.text), "name": "Ada", "email": email, "password": PASSWORD},
    )
    assert answer.status_code == 303, answer.text
    return ada.refresh()


def invitation(admin: Person, role: str = "member") -> str:
    """A fresh invitation link's path (`/invite/…`) to the admin's current workspace."""
    # The form leads to the members page, which shows the new link once.
    page = admin.client.post(
        "/settings/invitations", data={"csrf": admin.csrf, "role": role}, follow_redirects=True
    )
    found = re.search(r"/invite/([A-Za-z0-9_-]+)", page.text)
    assert found, page.text
    return f"/invite/{found.group(1)}"


def join(server: Server, link: str, email: str, name: str = "Bob") -> Person:
    person = Person(server, email)
    form = person.client.get(link)
    answer = person.client.post(
        link,
        data={"csrf": csrf_of(form.text), "name": name, "email": email, "password": PASSWORD},
    )
    assert answer.status_code == 303, answer.text
    return person.refresh()


def member(admin: Person, email: str, role: str = "member") -> Person:
    """Someone new who joined the admin's workspace with `role`."""
    return join(admin.server, invitation(admin, role), email, email.split("@")[0].title())
