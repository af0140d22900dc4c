"""`echodash import FILE.jsonl`: custom events and recorded deliveries, bad lines reported
by number, a progress bar, and an interrupted import resumed without losing or doubling."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path

from tests.support import ECHODASH, GITHUB_FIXTURES, Server


def _events_file(path: Path, name: str, count: int, bad: dict[int, str]) -> Path:
    lines = []
    for n in range(1, count + len(bad) + 1):
        if n in bad:
            lines.append(bad[n])
        else:
            lines.append(
                json.dumps(
                    {
                        "event": name,
                        "distinct_id": f"u_{n}",
                        "timestamp": "2026-09-01T12:00:00Z",
                        "values": {"n": n},
                    }
                )
            )
    path.write_text("\n".join(lines) + "\n")
    return path


def test_custom_events_are_imported_and_bad_lines_named(server: Server, tmp_path: Path) -> None:
    bad = {
        5: '{"distinct_id": "u_x"}',
        1200: "not json at all",
        2503: '{"event": "Backfilled", "timestamp": "last tuesday"}',
    }
    source = _events_file(tmp_path / "events.jsonl", "Backfilled", 2500, bad)
    done = server.cli("import", str(source))
    assert done.returncode == 1, done.stderr
    assert "Imported 2,500 from" in done.stdout
    assert "(0 already there, 3 rejected)" in done.stdout
    assert "line 5: `event` is required" in done.stderr
    assert "line 1200: not JSON" in done.stderr
    assert "line 2503: `timestamp` 'last tuesday' is not ISO-8601" in done.stderr
    assert "Importing" in done.stderr  # the progress bar
    events = server.wait_for_events(2500, type="Backfilled")
    assert {e["occurred_at"] for e in events} == {"2026-09-01T12:00:00.000Z"}
    assert {e["origin"] for e in events} == {"import"}  # not sent to the API: imported
    assert not (tmp_path / "events.jsonl.import-state").exists()

    again = server.cli("import", str(source))
    assert "Imported 0 from" in again.stdout and "(2,500 already there" in again.stdout
    time.sleep(0.5)
    assert len(server.all_events(type="Backfilled")) == 2500


def test_an_interrupted_import_resumes_where_it_stopped(server: Server, tmp_path: Path) -> None:
    source = _events_file(tmp_path / "big.jsonl", "Resumed", 60_000, {})
    state = tmp_path / "big.jsonl.import-state"
    process = subprocess.Popen(
        [ECHODASH, "import", str(source)],
        env=server.cli_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not state.exists():
        assert process.poll() is None, process.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait(10)
    stopped_at = json.loads(state.read_text())["line"]
    assert 0 < stopped_at < 60_000

    # 60,000 events: limits that bound a hang, not a speed (that is the benchmarks' job).
    resumed = server.cli("import", str(source), timeout=180)
    assert resumed.returncode == 0, resumed.stderr
    assert f"Resuming after line {stopped_at:,}" in resumed.stderr
    events = server.wait_for_events(60_000, timeout=100, type="Resumed")
    assert len(events) == 60_000
    assert len({e["fields"]["n"] for e in events}) == 60_000  # none lost, none twice


def test_recorded_deliveries_are_parsed_by_their_endpoints_source(
    server: Server, tmp_path: Path
) -> None:
    endpoint = server.create_endpoint("github", name="recorded")
    body = (GITHUB_FIXTURES / "issues" / "opened.payload.json").read_text()
    lines = [
        json.dumps({"headers": {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "rec-1"},
                    "body": json.loads(body)}),
        json.dumps({"headers": {"X-GitHub-Event": "issues", "X-GitHub-Delivery": "rec-2"},
                    "body": body}),
        json.dumps({"headers": "oops", "body": "{}"}),
    ]  # fmt: skip
    source = tmp_path / "recorded.jsonl"
    source.write_text("\n".join(lines) + "\n")
    without = server.cli("import", str(source))
    assert "line 1: a recorded delivery needs --endpoint" in without.stderr
    done = server.cli("import", str(source), "--endpoint", str(endpoint["id"]))
    assert "Imported 2 from" in done.stdout, done.stdout + done.stderr
    assert "line 3: `headers` must be an object of text values" in done.stderr
    events = server.wait_for_events(2, endpoint=endpoint["id"])
    assert all(e["type"] == "issues.opened" for e in events)
    assert all("opened issue" in e["title"] for e in events)
    assert {e["origin"] for e in events} == {"import"}


def test_lines_nested_too_deep_are_refused_by_number(server: Server, tmp_path: Path) -> None:
    endpoint = server.create_endpoint("generic", name="nested", options={"auth": "none"})
    # 300 levels: valid JSON, read without trouble, but deeper than orjson writes back.
    deep = '{"a":' * 299 + "{}" + "}" * 299
    lines = [
        '{"event": "Nesting", "values": {"n": 1}}',
        '{"event": "Nesting", "values": ' + deep + "}",
        '{"event": "Nesting", "values": {"n": 3}}',
        '{"headers": {"content-type": "application/json"}, "body": ' + deep + "}",
        '{"event": "Nesting", "values": {"n": 5}}',
    ]
    source = tmp_path / "nested.jsonl"
    source.write_text("\n".join(lines) + "\n")
    done = server.cli("import", str(source), "--endpoint", str(endpoint["id"]))
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr
    assert "Imported 3 from" in done.stdout and "(0 already there, 2 rejected)" in done.stdout
    assert "line 2: `values` may nest objects and lists at most 64 levels deep" in done.stderr
    assert "line 4: `body` nests too deeply to be written back as JSON" in done.stderr
    events = server.wait_for_events(3, type="Nesting")
    assert sorted(e["fields"]["n"] for e in events) == [1, 3, 5]
    assert not server.all_events(endpoint=endpoint["id"])
