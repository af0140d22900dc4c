"""Builds EchoDash's sdist and wheel, installs the wheel into a new virtualenv and serves it.

What a user gets from `pip install echodash` must work without a clone: templates, static
files and both stores' migrations are read from the installed package. This check builds the
distributions (the wheel from the sdist, as `python -m build` does), checks that every file the
package needs is inside the wheel, installs it into an empty virtualenv in a temporary
directory, starts `echodash serve` there with a temporary data directory, and asks it for
/healthz, API calls with a token, a signed delivery that becomes an event, a static file and
the first-admin page.

    python tools/wheel_check.py [--keep]     # `make wheel-check`

Each step's time is printed; the whole check takes well under a minute and a half with the
dependencies in pip's cache.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.error
import urllib.request
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGE = REPO / "src" / "echodash"

# The command the installed package is started with (after `echodash`): what `make run`
# starts, the demo company included, so the wheel is checked to serve a newcomer the same.
SERVE = ["serve", "--demo"]

TOKEN = "edk_wheel-check-bootstrap-token"
START_TIMEOUT = 30.0
# The demo's 90 days are sent through the receive path in ~7 s on a quiet machine.
DEMO_TIMEOUT = 90.0
# Files an sdist must carry besides the package: what pyproject.toml names.
SDIST_FILES = ("pyproject.toml", "README.md", "LICENSE")


class CheckFailed(Exception):
    pass


def _step(name: str, started: float) -> None:
    print(f"wheel-check: {name:<44} {time.monotonic() - started:6.1f} s", flush=True)


def _run(command: list[str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    result = subprocess.run(command, cwd=cwd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise CheckFailed(
            f"{' '.join(command)} exited with {result.returncode}:\n{result.stdout}{result.stderr}"
        )
    return result


def package_files() -> set[str]:
    """Every file of the package that is not Python source, as a path inside the wheel."""
    listed = subprocess.run(
        ["git", "ls-files", "--", "src/echodash"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    if listed.returncode == 0 and listed.stdout.strip():
        paths = [REPO / line for line in listed.stdout.splitlines()]
    else:  # not a git checkout (an unpacked sdist): what is on disk
        paths = [p for p in PACKAGE.rglob("*") if p.is_file() and "__pycache__" not in p.parts]
    return {
        p.relative_to(REPO / "src").as_posix()
        for p in paths
        if p.suffix not in (".py", ".pyc") and p.exists()
    }


def build(out: Path) -> tuple[Path, Path]:
    started = time.monotonic()
    _run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO)])
    wheels, sdists = list(out.glob("*.whl")), list(out.glob("*.tar.gz"))
    if len(wheels) != 1 or len(sdists) != 1:
        raise CheckFailed(f"expected one wheel and one sdist in {out}, found {os.listdir(out)}")
    _step("build sdist and wheel", started)
    return wheels[0], sdists[0]


def check_contents(wheel: Path, sdist: Path) -> None:
    in_wheel = set(zipfile.ZipFile(wheel).namelist())
    missing = sorted(package_files() - in_wheel)
    if missing:
        raise CheckFailed(
            "files of the package missing from the wheel (add them to "
            f"[tool.setuptools.package-data] in pyproject.toml): {missing}"
        )
    with tarfile.open(sdist) as archive:
        top = {name.split("/", 1)[1] for name in archive.getnames() if "/" in name}
    absent = [name for name in SDIST_FILES if name not in top]
    if absent:
        raise CheckFailed(f"the sdist lacks {absent}")
    size = wheel.stat().st_size / 1024
    print(f"wheel-check: {wheel.name} {size:.0f} KiB, {len(in_wheel)} files", flush=True)


def install(wheel: Path, venv: Path) -> Path:
    started = time.monotonic()
    _run([sys.executable, "-m", "venv", str(venv)])
    python = venv / "bin" / "python"
    # --no-compile: byte-compiling every dependency (stripe alone has thousands of modules)
    # costs more than the check; the server compiles what it imports.
    _run([str(python), "-m", "pip", "install", "--quiet", "--no-compile", str(wheel)])
    where = _run(
        [str(python), "-c", "import echodash; print(echodash.__file__)"], cwd=venv
    ).stdout.strip()
    if not Path(where).is_relative_to(venv):
        raise CheckFailed(f"the new virtualenv imports echodash from {where}, not its own copy")
    _step("install into a new virtualenv", started)
    return venv / "bin" / "echodash"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _get(
    url: str, token: str = "", body: bytes | None = None, headers: dict[str, str] | None = None
) -> tuple[int, str, bytes]:
    """GET, or POST when there is a body: (status, content type, body), errors included."""
    request = urllib.request.Request(url, data=body, headers=headers or {})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, response.headers.get("Content-Type", ""), response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers.get("Content-Type", ""), error.read()


@contextmanager
def serving(echodash: Path, home: Path) -> Iterator[tuple[str, Path]]:
    """`echodash serve` from the new virtualenv, on a free port, its stderr in a file."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("ECHODASH_")}
    env.update(
        ECHODASH_DATA_DIR=str(home / "data"),
        ECHODASH_PORT=str(port),
        ECHODASH_HOST="127.0.0.1",
        ECHODASH_BOOTSTRAP_TOKEN=TOKEN,
    )
    log = home / "serve.log"
    with log.open("w") as err:
        server = subprocess.Popen(
            [str(echodash), *SERVE], cwd=home, env=env, stdout=err, stderr=subprocess.STDOUT
        )
    try:
        yield f"http://127.0.0.1:{port}", log
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def check_a_delivery(base: str) -> None:
    """An endpoint made over the API, a delivery signed as GitHub signs it, and its event:
    the write path, the migrations' tables and a source loaded from its entry point."""
    as_json = {"Content-Type": "application/json"}
    wanted = json.dumps({"kind": "github", "name": "wheel-check"}).encode()
    status, _, body = _get(f"{base}/api/v1/endpoints", TOKEN, wanted, as_json)
    if status != 201:
        raise CheckFailed(f"POST /api/v1/endpoints answered {status}: {body!r}")
    endpoint = json.loads(body)
    delivery = json.dumps(
        {"action": "created", "repository": {"full_name": "acme/web"}, "sender": {"login": "ann"}}
    ).encode()
    digest = hmac.new(endpoint["secret"].encode(), delivery, hashlib.sha256).hexdigest()
    headers = {
        **as_json,
        "X-GitHub-Event": "star",
        "X-GitHub-Delivery": str(uuid.uuid4()),
        "X-Hub-Signature-256": f"sha256={digest}",
    }
    receive = endpoint["url"].replace(endpoint["url"].split("/in/")[0], base)
    status, _, body = _get(receive, body=delivery, headers=headers)
    if status != 202:
        raise CheckFailed(f"the signed delivery was answered {status}: {body!r}")
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        # Only this endpoint's: the server may hold other events (a demo's, say).
        _, _, body = _get(f"{base}/api/v1/events?endpoint={endpoint['id']}", TOKEN)
        titles = [event["title"] for event in json.loads(body)["events"]]
        if titles:
            if titles != ["ann starred acme/web"]:
                raise CheckFailed(f"the delivery became {titles}")
            return
        time.sleep(0.1)
    raise CheckFailed("the delivery was stored but no event came of it within 10 s")


def check_server(base: str, log: Path) -> None:
    started = time.monotonic()
    deadline = started + START_TIMEOUT
    while True:
        try:
            status, _, body = _get(f"{base}/healthz")
            if status == 200:
                break
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise CheckFailed(f"/healthz did not answer 200 within {START_TIMEOUT:.0f} s")
        time.sleep(0.2)
    if json.loads(body) != {"status": "ok"}:
        raise CheckFailed(f"/healthz answered {body!r}")
    _step("serve: /healthz answers 200", started)

    status, _, body = _get(f"{base}/api/v1/endpoints", TOKEN)
    if status != 200 or not isinstance(json.loads(body), dict | list):
        raise CheckFailed(f"GET /api/v1/endpoints with the token answered {status}: {body!r}")
    status, _, _ = _get(f"{base}/api/v1/endpoints")
    if status != 401:
        raise CheckFailed(f"GET /api/v1/endpoints without a token answered {status}, not 401")
    check_a_delivery(base)
    status, _, body = _get(f"{base}/api/openapi.json", TOKEN)
    if status != 200 or json.loads(body)["info"]["title"] != "EchoDash":
        raise CheckFailed(f"GET /api/openapi.json answered {status}")
    status, kind, body = _get(f"{base}/static/app.css")
    if status != 200 or not kind.startswith("text/css") or not body:
        raise CheckFailed(f"GET /static/app.css answered {status} {kind}")

    # The first-admin link is printed once the server listens: a page from the templates.
    link = None
    while link is None and time.monotonic() < deadline:
        found = re.search(r"(http://\S+/setup\S*)", log.read_text())
        link = found.group(1) if found else None
        time.sleep(0.1)
    if link is None:
        raise CheckFailed(f"no first-admin link printed:\n{log.read_text()}")
    status, kind, body = _get(link)
    if status != 200 or not kind.startswith("text/html") or b"<form" not in body:
        raise CheckFailed(f"the first-admin page answered {status} {kind}")
    _step("serve: API, a delivery, static, first admin", started)
    check_demo(base, started)


def check_demo(base: str, started: float) -> None:
    """`serve --demo` from the wheel serves what `make run` does: the demo's feed, a fired
    alert with its suspect deploy, and DORA numbers over its 90 days."""
    deadline = time.monotonic() + DEMO_TIMEOUT
    while True:
        _, _, body = _get(f"{base}/api/v1/alerts?status=firing", TOKEN)
        firing = json.loads(body)["alerts"]
        if firing and firing[0]["suspects"]:
            break
        if time.monotonic() > deadline:
            raise CheckFailed(f"no alert with a suspect fired within {DEMO_TIMEOUT:.0f} s")
        time.sleep(0.5)
    top = firing[0]["suspects"][0]
    if top["category"] != "deployment":
        raise CheckFailed(f"the demo alert's first suspect is not a deploy: {top}")
    _, _, body = _get(f"{base}/api/v1/metrics/dora", TOKEN)
    deployments = json.loads(body)["deployment_frequency"]["count"]
    if deployments < 100:
        raise CheckFailed(f"the demo's DORA counts {deployments} deployments")
    _, _, body = _get(f"{base}/api/v1/events?source=stripe&limit=5", TOKEN)
    if not json.loads(body)["events"]:
        raise CheckFailed("the demo's feed has no Stripe events")
    _step(f"serve --demo: alert fired, {deployments} deploys", started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()
    started = time.monotonic()
    home = Path(tempfile.mkdtemp(prefix="echodash-wheel-check-"))
    try:
        wheel, sdist = build(home / "dist")
        check_contents(wheel, sdist)
        echodash = install(wheel, home / "venv")
        with serving(echodash, home) as (base, log):
            try:
                check_server(base, log)
            except CheckFailed:
                print(log.read_text(), file=sys.stderr)
                raise
    except CheckFailed as failure:
        print(f"wheel-check: FAILED: {failure}", file=sys.stderr)
        return 1
    finally:
        if args.keep:
            print(f"wheel-check: kept {home}")
        else:
            shutil.rmtree(home, ignore_errors=True)
    _step("passed, in all", started)
    return 0


if __name__ == "__main__":
    sys.exit(main())
