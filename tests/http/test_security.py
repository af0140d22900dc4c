"""Secrets at rest, private files, rate limits that forgeries cannot exhaust, a changed key."""

from __future__ import annotations

import stat
import subprocess
import time

import httpx

from tests.support import Server, github_headers


def test_secrets_are_encrypted_at_rest_and_files_are_private(fresh_server: Server) -> None:
    fresh_server.start()
    endpoint = fresh_server.create_endpoint(
        "github", name="at-rest", secret="plain-secret-do-not-store-1234"
    )
    body = b'{"zen": "x"}'
    assert (
        httpx.post(
            endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "ping")
        ).status_code
        == 202
    )
    fresh_server.wait_for_events(1)
    fresh_server.stop()
    data = fresh_server.data_dir
    if fresh_server.pg_url:
        # Everything PostgreSQL holds, as a dump: no secret and no token in the clear.
        dump = subprocess.run(
            ["pg_dump", "--data-only", "-d", fresh_server.pg_url], capture_output=True, check=True
        ).stdout
        assert b"at-rest" in dump  # the dump is real: the endpoint's name is in it
        assert b"plain-secret-do-not-store-1234" not in dump
        assert fresh_server.token.encode() not in dump
    else:
        for path in data.glob("echodash.db*"):
            assert b"plain-secret-do-not-store-1234" not in path.read_bytes(), path
            assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path} is readable by others"
        assert fresh_server.token.encode() not in (data / "echodash.db").read_bytes()
    assert stat.S_IMODE((data / "secret.key").stat().st_mode) == 0o600
    assert stat.S_IMODE(data.stat().st_mode) & 0o077 == 0
    assert "plain-secret-do-not-store-1234" not in fresh_server.log()
    assert fresh_server.token not in fresh_server.log()


def test_a_changed_secret_key_answers_503_not_500(fresh_server: Server) -> None:
    fresh_server.env["ECHODASH_SECRET_KEY"] = "the-first-key-of-this-install"
    fresh_server.start()
    endpoint = fresh_server.create_endpoint("github", name="key")
    fresh_server.stop()
    fresh_server.env["ECHODASH_SECRET_KEY"] = "someone-changed-the-key"
    fresh_server.start()
    body = b'{"zen": "x"}'
    r = httpx.post(
        endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "ping")
    )
    assert r.status_code == 503
    assert r.json()["error"] == "secrets_unreadable"
    assert r.headers["retry-after"]
    assert "secret key" in fresh_server.log()


def test_forgeries_do_not_use_up_the_rate_limit(fresh_server: Server) -> None:
    fresh_server.env["ECHODASH_RATE_LIMIT"] = "2"  # 2 per second, bursts of 4
    fresh_server.start()
    endpoint = fresh_server.create_endpoint("github", name="limited")
    body = b'{"zen": "x"}'
    for _ in range(20):
        forged = httpx.post(
            endpoint["url"], content=body, headers=github_headers("wrong", body, "ping")
        )
        assert forged.status_code == 401
    answers = [
        httpx.post(
            endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "ping")
        )
        for _ in range(8)
    ]
    codes = [a.status_code for a in answers]
    assert codes[:4] == [202] * 4, codes
    assert 429 in codes[4:]
    limited = next(a for a in answers if a.status_code == 429)
    assert limited.json()["error"] == "rate_limited" and int(limited.headers["retry-after"]) >= 1
    time.sleep(1.1)
    again = httpx.post(
        endpoint["url"], content=body, headers=github_headers(endpoint["secret"], body, "ping")
    )
    assert again.status_code == 202
