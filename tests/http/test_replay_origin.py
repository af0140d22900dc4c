"""A replay is marked: `origin` "replay" in the API's JSON and "(replay)" on its CLI line; it
is never listed as news in a digest; a sender cannot mark its own events as replays."""

from __future__ import annotations

import json
import re
import uuid
from datetime import timedelta
from pathlib import Path

import httpx

from echodash.digest.subscription import Subscription
from echodash.digest.summary import build_digest
from echodash.events import EventDraft, Severity, utcnow
from echodash.store.base import Store
from tests.digest.test_job import add_event, run
from tests.support import Server, first_admin_client


def _replay(server: Server, event_id: int) -> int:
    with first_admin_client(server) as browser:
        page = browser.get(f"/events/{event_id}")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf, page.text[:300]
        answer = browser.post(f"/events/{event_id}/replay", data={"csrf": csrf.group(1)})
        assert answer.status_code == 303, answer.text
        return int(answer.headers["location"].rsplit("/", 1)[1])


def test_a_replay_says_so_in_the_api_and_the_cli(fresh_server: Server) -> None:
    fresh_server.start()
    with fresh_server.client() as c:
        sent = {"event": "Payment declined", "values": {"severity": "error"}, "id": "pay-1"}
        assert c.post("/api/v1/events", json=sent).status_code == 202
    (original,) = fresh_server.wait_for_events(1)
    replay_id = _replay(fresh_server, original["id"])
    assert replay_id != original["id"]
    by_id = {e["id"]: e for e in fresh_server.all_events()}
    assert by_id[replay_id]["origin"] == "replay"
    assert by_id[original["id"]]["origin"] != "replay"
    with fresh_server.client() as c:
        assert c.get(f"/api/v1/events/{replay_id}").json()["origin"] == "replay"
    lines = fresh_server.cli("events", "list").stdout.splitlines()
    assert [line.endswith("(replay)") for line in lines] == [False, True]
    shown = fresh_server.cli("events", "list", "--json").stdout.splitlines()
    assert [json.loads(line)["origin"] for line in shown][-1] == "replay"


def test_a_sender_cannot_mark_its_events_as_replays(fresh_server: Server) -> None:
    """GitLab tags a push with its branch: a branch named "replay" is still a new push."""
    fresh_server.start()
    endpoint = fresh_server.create_endpoint(
        "gitlab", name="acme/web", secret="glsec-test-token-123"
    )
    body = json.dumps(
        {
            "object_kind": "push",
            "ref": "refs/heads/replay",
            "before": "95790bf891e76fee5e1747ab589903a6a1f80f22",
            "after": "da1560886d4f094c3e6c9ef40349f7d38b5d27d7",
            "user_username": "alice",
            "project": {"id": 15, "name": "web", "path_with_namespace": "acme/web",
                        "web_url": "https://gitlab.example.com/acme/web"},
            "commits": [],
            "total_commits_count": 1,
        }
    ).encode()  # fmt: skip
    headers = {
        "content-type": "application/json",
        "x-gitlab-token": "glsec-test-token-123",
        "x-gitlab-event": "Push Hook",
        "x-gitlab-event-uuid": str(uuid.uuid4()),
    }
    answer = httpx.post(str(endpoint["url"]), content=body, headers=headers, timeout=10)
    assert answer.status_code == 202, answer.text
    (event,) = fresh_server.wait_for_events(1)
    assert event["fields"]["branch"] == "replay"
    assert event["origin"] == "webhook"


def test_a_digest_does_not_list_a_replay_as_news(tmp_path: Path) -> None:
    async def scenario(store: Store) -> list[str]:
        ws = await store.create_workspace("Acme")
        github = await store.create_endpoint(ws, "github", "acme/web", "gh-acme", {}, None)
        at = utcnow() - timedelta(minutes=5)
        failed = EventDraft(type="push", title="build failed", severity=Severity.ERROR)
        await add_event(store, github, "first", failed, at)
        replayed = EventDraft(
            type="push", title="build failed again?", severity=Severity.ERROR, tags=("replay",)
        )
        await add_event(store, github, "again", replayed, at + timedelta(seconds=1))
        digest = await build_digest(store, ws, "Acme", Subscription("daily"), utcnow())
        return [e.title for e in digest.notable]

    assert run(tmp_path, scenario) == ["build failed"]
