"""The `echodash` command: endpoints, tokens and the feed in a terminal."""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import httpx

from tests.support import ECHODASH, GITHUB_FIXTURES, Server, github_headers, require_postgres


def clean_env(**extra: str) -> dict[str, str]:
    """This shell's environment without any ECHODASH_* setting, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECHODASH_")}
    return env | {f"ECHODASH_{k.upper()}": v for k, v in extra.items()}


def run(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = clean_env(data_dir=str(data_dir))
    return subprocess.run([ECHODASH, *args], env=env, capture_output=True, text=True, timeout=60)


def start_tail(env: dict[str, str], *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [ECHODASH, "events", "tail", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_endpoints_create_list_rotate(tmp_path: Path) -> None:
    created = run(tmp_path, "endpoints", "create", "--kind", "github", "--name", "acme/web")
    assert created.returncode == 0, created.stderr
    lines = created.stdout.splitlines()
    assert lines[0].startswith("Created endpoint 1: acme/web (github)")
    url = lines[1].split("Receive URL:")[1].strip()
    assert url.startswith("http://127.0.0.1:8000/in/")
    listed = run(tmp_path, "endpoints", "list")
    assert "acme/web" in listed.stdout and url in listed.stdout
    rotated = run(tmp_path, "endpoints", "rotate", "1", "--expire-others-in", "3600")
    assert rotated.returncode == 0 and "New secret:" in rotated.stdout
    assert "Older secrets expire at" in rotated.stdout
    missing = run(tmp_path, "endpoints", "rotate", "99")
    assert missing.returncode != 0 and "no endpoint with id 99" in missing.stderr
    bad = run(tmp_path, "endpoints", "create", "--kind", "nope")
    assert bad.returncode == 2 and "unknown source kind 'nope'" in bad.stderr
    # Names are unique in a workspace: a second "acme/web" is refused, saying why.
    again = run(tmp_path, "endpoints", "create", "--kind", "stripe", "--name", "Acme/Web")
    assert again.returncode == 2
    assert 'An endpoint named "acme/web" already exists in this workspace.' in again.stderr
    assert run(tmp_path, "endpoints", "list").stdout.lower().count("acme/web") == 1


def test_tokens_create_gives_a_working_api_token(fresh_server: Server) -> None:
    fresh_server.start()
    made = fresh_server.cli("tokens", "create", "--name", "ci")
    assert made.returncode == 0, made.stderr
    token = made.stdout.strip()
    assert token.startswith("edk_")
    r = httpx.get(fresh_server.url + "/api/v1/events", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200


def test_events_tail_shows_a_delivery_within_a_second(fresh_server: Server) -> None:
    fresh_server.start()
    endpoint = fresh_server.create_endpoint("github", name="tail")
    tail = start_tail(fresh_server.cli_env())
    try:
        assert tail.stderr is not None and tail.stdout is not None
        assert "Waiting for events" in tail.stderr.readline()
        body = sorted((GITHUB_FIXTURES / "star").glob("*.payload.json"))[0].read_bytes()
        sent = time.monotonic()
        r = httpx.post(
            endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "star")
        )
        assert r.status_code == 202
        line = tail.stdout.readline()
        elapsed = time.monotonic() - sent
    finally:
        tail.terminate()
        tail.wait(5)
    assert "star.created" in line and "github" in line
    assert elapsed < 1.0, f"tail showed it after {elapsed:.2f}s"
    listed = fresh_server.cli("events", "list")
    assert "star.created" in listed.stdout


def test_events_tail_follows_a_remote_server_over_sse(fresh_server: Server) -> None:
    fresh_server.start()
    endpoint = fresh_server.create_endpoint("github", name="remote")
    tail = start_tail(clean_env(token=fresh_server.token), "--url", fresh_server.url, "--json")
    try:
        assert tail.stderr is not None and tail.stdout is not None
        assert "Following" in tail.stderr.readline()
        time.sleep(0.5)  # the stream connects
        body = sorted((GITHUB_FIXTURES / "ping").glob("*.payload.json"))[0].read_bytes()
        r = httpx.post(
            endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "ping")
        )
        assert r.status_code == 202
        line = tail.stdout.readline()
    finally:
        tail.terminate()
        tail.wait(5)
    assert '"type":"ping"' in line


def test_serve_honours_environment_variables(tmp_path: Path) -> None:
    srv = Server(tmp_path / "env", env={"ECHODASH_HOST": "127.0.0.1"})
    srv.start()
    try:
        assert httpx.get(f"http://127.0.0.1:{srv.port}/healthz").json() == {"status": "ok"}
        assert str(srv.port) in srv.log()
    finally:
        srv.stop()


def test_endpoints_created_in_another_shell_print_the_servers_url(fresh_server: Server) -> None:
    fresh_server.start()  # on a random port, not the 8000 this shell's settings would say
    created = fresh_server.cli("endpoints", "create", "--kind", "github", "--name", "x")
    assert created.returncode == 0, created.stderr
    url = created.stdout.splitlines()[1].split("Receive URL:")[1].strip()
    secret = created.stdout.splitlines()[2].split("Secret:")[1].strip()
    assert url.startswith(f"{fresh_server.url}/in/")
    body = b'{"zen": "x"}'
    r = httpx.post(url, content=body, headers=github_headers(secret, body, "ping"))
    assert r.status_code == 202
    listed = fresh_server.cli("endpoints", "list")
    assert url in listed.stdout


def test_serve_explains_a_database_it_cannot_open(tmp_path: Path) -> None:
    require_postgres()  # for the "no such database" case
    cases = {
        "postgresql://postgres@127.0.0.1:1/echodash": "Connect call failed",
        "postgresql://postgres@127.0.0.1:5432/no_such_database_here": "does not exist",
    }
    for url, reason in cases.items():
        env = clean_env(data_dir=str(tmp_path), database=url, port="9")
        done = subprocess.run(
            [ECHODASH, "serve"], env=env, capture_output=True, text=True, timeout=60
        )
        assert done.returncode == 1, done.stderr
        assert "Error: cannot open the database: cannot open PostgreSQL: " in done.stderr
        assert reason in done.stderr and "Traceback" not in done.stderr
