"""`echodash rules …` and `echodash alerts …`: the real command against a real server's API."""

from __future__ import annotations

import subprocess
from datetime import UTC, datetime
from pathlib import Path

import httpx
import orjson

from echodash.store.base import Store
from echodash.store.base.alerts import EvaluationBatch, EvaluationWork, OpenAlert
from tests.http.alerting import member_token, with_server_store
from tests.support import ECHODASH, GITHUB_FIXTURES, Server, github_headers

AROUND = ("--since", "2020-10-01T00:00:00Z", "--until", "2020-10-08T00:00:00Z")


def echodash(
    server: Server, *args: str, token: str | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    """The command as a person runs it on the server's machine: ECHODASH_TOKEN set, the
    server found by its port."""
    env = server.cli_env() | {"ECHODASH_TOKEN": token or server.token}
    return subprocess.run(
        [ECHODASH, *args], env=env, input=stdin, capture_output=True, text=True, timeout=60
    )


def test_rules_are_created_from_flags_a_file_or_stdin_and_listed(
    server: Server, tmp_path: Path
) -> None:
    made = echodash(
        server, "rules", "create", "--name", "deploy storm", "--source", "github",
        "--type", "deployment_status.*", "--count", "5", "--within", "600",
        "--notify", "https://hooks.example.com/x", "--notify", "mailto:oncall@example.com",
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert made.stdout.startswith("Created rule ")
    assert "5+ within 600 s" in made.stdout
    rule = {"name": "heartbeat", "match": {"type": "Heartbeat"},
            "condition": {"kind": "absence", "window_seconds": 900}}  # fmt: skip
    path = tmp_path / "rule.json"
    path.write_bytes(orjson.dumps(rule))
    assert echodash(server, "rules", "create", str(path)).returncode == 0
    piped = echodash(server, "rules", "create", "-", "--name", "piped", stdin=path.read_text())
    assert piped.returncode == 0, piped.stderr

    listed = echodash(server, "rules", "list")
    assert listed.returncode == 0, listed.stderr
    for words in ("deploy storm", "heartbeat", "piped", "nothing for 900 s"):
        assert words in listed.stdout
    lines = echodash(server, "rules", "list", "--json").stdout.splitlines()
    saved = {r["name"]: r for r in map(orjson.loads, lines)}
    assert saved["deploy storm"]["actions"] == [
        {"kind": "webhook", "url": "https://hooks.example.com/x"},
        {"kind": "email", "to": ["oncall@example.com"]},
    ]
    assert saved["piped"]["condition"] == rule["condition"]


def test_a_wrong_rule_or_a_members_token_is_refused_in_words(
    server: Server, tmp_path: Path
) -> None:
    path = tmp_path / "wrong.json"
    path.write_text('{"name": "wrong", "condition": {"kind": "count", "threshold": 0}}')
    wrong = echodash(server, "rules", "create", str(path))
    assert wrong.returncode == 1
    assert "condition.threshold: between 1 and 1,000,000" in wrong.stderr
    member = echodash(server, "rules", "create", "--name", "mine", token=member_token(server))
    assert member.returncode == 1 and "Only an admin token can change alert rules" in member.stderr
    no_token = subprocess.run(
        [ECHODASH, "rules", "list"], env=server.cli_env(), capture_output=True, text=True
    )
    assert no_token.returncode == 2 and "ECHODASH_TOKEN" in no_token.stderr


def test_rules_test_says_how_often_a_rule_would_have_fired(server: Server, tmp_path: Path) -> None:
    endpoint = server.create_endpoint("github", name="octo-cli")
    for name in ("requested", "completed.with-pull-requests"):
        body = (GITHUB_FIXTURES / "workflow_run" / f"{name}.payload.json").read_bytes()
        headers = github_headers(endpoint["secret"], body, "workflow_run")
        assert httpx.post(endpoint["url"], content=body, headers=headers).status_code == 202
    server.wait_for_events(2, endpoint=endpoint["id"])
    rule = {"name": "runs", "match": {"endpoint": endpoint["id"], "type": "workflow_run.*"},
            "condition": {"kind": "every"}, "resolve_after_seconds": 0}  # fmt: skip
    path = tmp_path / "runs.json"
    path.write_bytes(orjson.dumps(rule))

    tried = echodash(server, "rules", "test", str(path), *AROUND)
    assert tried.returncode == 0, tried.stderr
    lines = tried.stdout.splitlines()
    assert lines[0].startswith("would have fired 2 times between 2020-10-01T00:00:00.000Z")
    assert lines[1:] == ["  2020-10-05T16:33:24.000Z", "  2020-10-05T16:33:49.000Z"]

    made = echodash(server, "rules", "create", str(path))
    rule_id = made.stdout.split()[2].rstrip(":")
    by_id = echodash(server, "rules", "test", rule_id, *AROUND, "--json")
    assert orjson.loads(by_id.stdout)["moments"] == [
        "2020-10-05T16:33:24.000Z",
        "2020-10-05T16:33:49.000Z",
    ]
    recent = echodash(server, "rules", "test", rule_id, "--since", "3d")
    assert recent.returncode == 0 and recent.stdout.startswith("would have fired 0 times")
    missing = echodash(server, "rules", "test", "999999")
    assert missing.returncode == 1 and "No rule with this id" in missing.stderr


def test_alerts_are_listed_acknowledged_and_resolved(server: Server) -> None:
    made = echodash(server, "rules", "create", "--name", "cli alerts", "--type", "x")
    rule_id = int(made.stdout.split()[2].rstrip(":"))

    async def open_one(store: Store) -> None:
        opened = OpenAlert(1, rule_id, "", datetime.now(UTC), "5 or more within 10 min", (), [])

        async def decide(batch: EvaluationBatch) -> EvaluationWork:
            return EvaluationWork(opened=[opened])

        await store.evaluate(0, decide, now=datetime.now(UTC))

    with_server_store(server, open_one)
    listed = echodash(server, "alerts", "list", "--status", "firing")
    assert listed.returncode == 0, listed.stderr
    line = next(line for line in listed.stdout.splitlines() if "cli alerts" in line)
    alert_id = line.split()[0]
    assert "firing" in line and "5 or more within 10 min" in line

    acked = echodash(server, "alerts", "ack", alert_id, token=member_token(server))
    assert acked.returncode == 0 and "acknowledged" in acked.stdout
    resolved = echodash(server, "alerts", "resolve", alert_id)
    assert resolved.returncode == 0 and "resolved" in resolved.stdout
    shown = echodash(server, "alerts", "list", "--status", "resolved", "--json").stdout
    assert int(alert_id) in [orjson.loads(line)["id"] for line in shown.splitlines()]
    missing = echodash(server, "alerts", "ack", "999999")
    assert missing.returncode == 1 and "No alert with this id" in missing.stderr
