"""Feed templates pages, end to end in the real app: list, edit, preview, save, replay."""

from __future__ import annotations

import re
import secrets
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from echodash.app import create_app
from echodash.config import Settings
from echodash.crypto import hash_token
from echodash.events import utcnow
from echodash.setup_link import setup_token
from tests.support import GITHUB_FIXTURES, github_headers

BASE = "http://127.0.0.1:8000"
PUSH = (GITHUB_FIXTURES / "push" / "payload.json").read_bytes()
TEMPLATE = "{{ payload.sender.login }} did {{ event.type }}"


@dataclass
class Hub:
    app: Any
    client: TestClient
    endpoint: dict[str, Any]

    def csrf(self, client: TestClient | None = None) -> str:
        page = (client or self.client).get("/templates")
        found = re.search(r'name="csrf-token" content="([^"]+)"', page.text)
        assert found, page.text[:500]
        return found.group(1)

    def deliver(self, body: bytes = PUSH, event: str = "push") -> None:
        r = self.client.post(
            f"/in/{self.endpoint['slug']}",
            content=body,
            headers=github_headers(self.endpoint["secret"], body, event),
        )
        assert r.status_code == 202, r.text

    def events(self) -> list[dict[str, Any]]:
        r = self.client.get("/api/v1/events")
        assert r.status_code == 200, r.text
        events: list[dict[str, Any]] = r.json()["events"]
        return events

    def wait_for(self, count: int) -> list[dict[str, Any]]:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            events = self.events()
            if len(events) >= count:
                return events
            time.sleep(0.05)
        raise AssertionError(f"expected {count} events, have {len(self.events())}")

    def saved_templates(self) -> list[Any]:
        portal = self.client.portal
        assert portal is not None
        store = self.app.state.services.store
        found: list[Any] = portal.call(store.settings_with_prefix, None, "template:")
        return found

    def save(self, title: str, fields: list[str], client: TestClient | None = None) -> Any:
        data = {"csrf": self.csrf(client), "title": title}
        data.update({f"field-{i}": name for i, name in enumerate(fields)})
        return (client or self.client).post(
            "/templates/github:push", data=data, follow_redirects=False
        )


def sign_up(client: TestClient, path: str, name: str, email: str) -> None:
    r = client.get(path)
    csrf = re.search(r'name="csrf" value="([^"]+)"', r.text)
    assert csrf, r.text[:500]
    r = client.post(
        path,
        data={"csrf": csrf.group(1), "name": name, "email": email,
              "password": "correct horse battery"},
    )  # fmt: skip
    assert r.status_code == 200, r.text[:500]


@pytest.fixture
def hub(tmp_path: Path) -> Iterator[Hub]:
    app = create_app(Settings.from_env({}, data_dir=tmp_path))
    with TestClient(app, base_url=BASE) as client:
        sign_up(
            client, f"/setup?token={setup_token(app.state.services.box)}", "Ada", "ada@example.com"
        )
        hub = Hub(app, client, {})
        r = client.post(
            "/api/v1/endpoints",
            json={"kind": "github", "name": "acme/web"},
            headers={"X-CSRF-Token": hub.csrf()},
        )
        assert r.status_code == 201, r.text
        hub.endpoint = r.json()
        yield hub


def test_list_shows_an_empty_state_then_the_types_seen(hub: Hub) -> None:
    page = hub.client.get("/templates")
    assert page.status_code == 200
    assert "No events yet" in page.text
    hub.deliver()
    hub.deliver(event="ping", body=(GITHUB_FIXTURES / "ping" / "payload.json").read_bytes())
    events = hub.wait_for(2)
    page = hub.client.get("/templates")
    assert "No events yet" not in page.text
    assert "GitHub" in page.text and "/templates/github:push" in page.text
    push = next(e for e in events if e["type"] == "push")
    assert push["title"] in page.text
    assert "Custom" not in page.text
    assert hub.save(TEMPLATE, ["ref"]).status_code == 303
    assert "Custom" in hub.client.get("/templates").text


def test_template_is_previewed_saved_applied_and_replayed(hub: Hub) -> None:
    hub.deliver()
    [old] = hub.wait_for(1)
    assert old["title"] != "Codertocat did push"

    edit = hub.client.get("/templates/github:push")
    assert edit.status_code == 200
    assert 'id="template-preview"' in edit.text and 'name="title"' in edit.text
    assert "templates.js" in edit.text and "<script>" not in edit.text
    # The default template renders the current title; the draft's first fields are ticked.
    assert old["title"] in edit.text
    ticked = re.findall(r'name="field-\d+" value="([^"]+)" checked', edit.text)
    assert ticked == list(old["fields"])[:3]
    assert 'value="sender.login"' in edit.text  # payload paths are offered too

    # The script's preview: a fragment, CSRF in the header.
    csrf = hub.csrf()
    r = hub.client.post(
        "/templates/github:push/preview",
        data={"title": TEMPLATE, "field-0": "ref", "field-1": "sender.login"},
        headers={"X-CSRF-Token": csrf},
    )
    assert r.status_code == 200
    assert "Codertocat did push" in r.text and "<html" not in r.text
    assert old["title"] in r.text  # before → after
    # Without a script: the Preview button renders the whole page with the preview filled.
    r = hub.client.post(
        "/templates/github:push/preview",
        data={"csrf": csrf, "title": TEMPLATE, "field-0": "ref", "preview": "page"},
    )
    assert r.status_code == 200 and "<html" in r.text and "Codertocat did push" in r.text
    # No CSRF, no preview.
    r = hub.client.post("/templates/github:push/preview", data={"title": TEMPLATE})
    assert r.status_code == 403

    saved = hub.save(TEMPLATE, ["ref", "sender.login"])
    assert saved.status_code == 303
    assert saved.headers["location"].startswith("/templates/github:push")
    page = hub.client.get(saved.headers["location"])
    assert "Template saved" in page.text and TEMPLATE.replace('"', "&#34;") in page.text
    assert re.findall(r'name="field-\d+" value="([^"]+)" checked', page.text) == [
        "ref",
        "sender.login",
    ]

    hub.deliver()
    new = hub.wait_for(2)[0]
    assert new["title"] == "Codertocat did push"
    assert list(new["fields"]) == ["ref", "sender.login"]
    assert new["fields"]["sender.login"] == "Codertocat"

    r = hub.client.post(f"/events/{old['id']}/replay", headers={"X-CSRF-Token": csrf})
    assert r.status_code == 200, r.text
    [replayed] = r.json()["events"]
    detail = hub.client.get(f"/api/v1/events/{replayed}").json()
    assert detail["title"] == "Codertocat did push"
    assert "replay" in detail["tags"]

    # Reset: the setting is gone, new events read as the source says again.
    r = hub.client.post(
        "/templates/github:push",
        data={"csrf": csrf, "action": "reset", "title": TEMPLATE},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert "Back to the default" in hub.client.get(r.headers["location"]).text
    hub.deliver()
    assert hub.wait_for(4)[0]["title"] == old["title"]


def test_a_broken_template_is_refused_with_its_line_and_nothing_saved(hub: Hub) -> None:
    hub.deliver()
    hub.wait_for(1)
    r = hub.save("first line\n{{ oops", ["ref"])
    assert r.status_code == 400
    assert re.search(r"Line 2\b", r.text), r.text
    assert "Not saved" in r.text
    assert "{{ oops" in r.text  # what was typed stays in the form
    assert hub.saved_templates() == []
    assert "Custom" not in hub.client.get("/templates").text


def test_a_member_cannot_save_a_template(hub: Hub) -> None:
    svc = hub.app.state.services
    portal = hub.client.portal
    assert portal is not None
    admin = portal.call(svc.store.find_user_by_email, "ada@example.com")
    [membership] = portal.call(svc.store.memberships, admin.id)
    raw = secrets.token_urlsafe(24)
    portal.call(
        svc.store.create_invitation,
        hash_token(raw),
        membership.workspace_id,
        "member",
        admin.id,
        utcnow() + timedelta(days=1),
    )
    with TestClient(hub.app, base_url=BASE) as member:
        sign_up(member, f"/invite/{raw}", "Bob", "bob@example.com")
        assert member.get("/templates").status_code == 200
        assert member.get("/templates/github:push").status_code == 200
        r = hub.save(TEMPLATE, ["ref"], client=member)
        assert r.status_code == 403
        assert hub.saved_templates() == []


def test_a_template_failing_at_render_time_keeps_the_parsers_title(hub: Hub) -> None:
    hub.deliver()
    [old] = hub.wait_for(1)
    # Valid syntax, but `payload.sender.login.nope.deeper` fails when rendered.
    assert hub.save("{{ payload.sender.login.nope.deeper }}", ["ref"]).status_code == 303
    hub.deliver()
    new = hub.wait_for(2)[0]
    assert new["title"] == old["title"]
    assert list(new["fields"]) == ["ref"]


def test_a_malformed_event_type_is_not_found(hub: Hub) -> None:
    assert hub.client.get("/templates/no-colon").status_code == 404
    assert hub.client.get("/templates/Bad Source:push").status_code == 404
    page = hub.client.get("/templates/github:never.seen")
    assert page.status_code == 200 and "No events of this type yet" in page.text


def test_a_new_template_starts_empty_and_saving_key_fields_keeps_built_in_titles(
    hub: Hub,
) -> None:
    """The editor shows the built-in title beside the box, never in it: ticking a key field
    and saving must not freeze the newest event's wording onto every later event."""
    hub.deliver()
    [first] = hub.wait_for(1)
    edit = hub.client.get("/templates/github:push")
    box = re.search(r'<textarea name="title"[^>]*>([^<]*)</textarea>', edit.text)
    assert box is not None and box.group(1) == ""  # nothing copied into the box
    assert f'placeholder="Built-in: {first["title"]}"' in edit.text
    assert "Start from the built-in title" in edit.text  # offered, not imposed

    # Save with only a key field chosen.
    r = hub.save("", ["ref"])
    assert r.status_code == 303, r.text
    [saved] = [t for t in hub.saved_templates() if t[2].endswith("github:push")]
    assert saved[3].get("title") is None and saved[3]["fields"] == ["ref"]

    # A later push by someone else keeps its own built-in title and shows the chosen field.
    other = PUSH.replace(b'"login": "Codertocat"', b'"login": "hubot"')
    assert other != PUSH
    hub.deliver(other)
    newest = hub.wait_for(2)[0]
    assert newest["title"] == first["title"].replace("Codertocat", "hubot", 1)
    assert list(newest["fields"]) == ["ref"]

    # Reload shows what is saved: still an empty title, the one field ticked.
    edit = hub.client.get("/templates/github:push")
    box = re.search(r'<textarea name="title"[^>]*>([^<]*)</textarea>', edit.text)
    assert box is not None and box.group(1) == ""
    ticked = re.findall(r'name="field-\d+" value="([^"]+)" checked', edit.text)
    assert ticked == ["ref"]
