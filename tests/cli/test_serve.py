"""`echodash serve` as a newcomer meets it: the setup link last on screen, a quiet log, and
Ctrl-C that stops it at once even with a live feed open."""

from __future__ import annotations

import re
import signal
import subprocess
import time

from tests.support import Server, StreamListener

BANNER = re.compile(r"={20,}\n(.*?)\n={20,}\n", re.S)


def _wait_for(server: Server, pattern: str, timeout: float = 20.0) -> re.Match[str]:
    deadline = time.monotonic() + timeout
    while not (found := re.search(pattern, server.log(), re.S)):
        assert time.monotonic() < deadline, server.log()
        time.sleep(0.05)
    return found


def test_the_setup_link_is_a_banner_after_start_up(fresh_server: Server) -> None:
    fresh_server.start()
    logged = _wait_for(fresh_server, r"create the first admin at (\S+)").group(1)
    banner = _wait_for(fresh_server, BANNER.pattern)
    assert "create" in banner.group(1) and "first admin" in banner.group(1)
    assert re.search(r"^\s+(\S+)$", banner.group(1), re.M).group(1) == logged  # type: ignore[union-attr]
    # The log line comes first, and nothing follows the banner: it is the last thing on screen.
    log = fresh_server.log()
    assert log.index("create the first admin at") < banner.start()
    assert log[banner.end() :].strip() == ""


def test_no_banner_once_the_first_admin_exists(fresh_server: Server) -> None:
    fresh_server.start()
    link = _wait_for(fresh_server, r"create the first admin at (\S+)").group(1)
    with fresh_server.client(headers={"accept": "text/html"}) as c:
        form = c.get(link.removeprefix(fresh_server.url))
        csrf = re.search(r'name="csrf" value="([^"]+)"', form.text)
        assert csrf
        done = c.post(
            link.removeprefix(fresh_server.url),
            data={"csrf": csrf.group(1), "name": "Ada", "email": "ada@example.com",
                  "password": "correct horse battery staple"},
        )  # fmt: skip
        assert done.status_code == 303
    fresh_server.stop()
    fresh_server.start()
    _wait_for(fresh_server, r"EchoDash \S+ on .*EchoDash \S+ on ")  # the second start
    fresh_server.cli("jobs")  # let it run a moment: the banner would come by now
    assert fresh_server.log().count("EchoDash is running") == 1  # the first start's only


def test_a_job_with_nothing_to_do_is_logged_once(fresh_server: Server) -> None:
    fresh_server.env["ECHODASH_DIGEST_INTERVAL"] = "0.2"
    fresh_server.start()
    deadline = time.monotonic() + 30
    while True:
        listed = fresh_server.cli("jobs", "--limit", "5").stdout
        runs = listed.split("digest:")[-1].count("e-mail is not configured")
        if runs >= 3:
            break
        assert time.monotonic() < deadline, listed
        time.sleep(0.2)
    assert fresh_server.log().count("e-mail is not configured") == 1


def test_ctrl_c_with_a_live_stream_open_exits_at_once_quietly(fresh_server: Server) -> None:
    fresh_server.start()
    _wait_for(fresh_server, BANNER.pattern)
    assert fresh_server.process is not None
    with StreamListener(fresh_server):
        fresh_server.process.send_signal(signal.SIGINT)
        # uvicorn's graceful-shutdown deadline is 5 s: an open stream no longer holds it up.
        try:
            status = fresh_server.process.wait(4)
        except subprocess.TimeoutExpired as late:
            raise AssertionError(f"still running 4 s after Ctrl-C:\n{fresh_server.log()}") from late
    log = fresh_server.log()
    assert status == 0, log
    assert "Traceback" not in log
    assert "graceful shutdown" not in log.lower()
    assert "ERROR" not in log
