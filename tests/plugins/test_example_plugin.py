"""The example plugin of docs/writing-a-source.md, installed for real and run in a real server.

`examples/echodash-acme` is the one copy of the code: the page must show it verbatim, and this
module installs it with pip (into a temporary directory, never the project's environment)
and starts `echodash serve` with that directory on PYTHONPATH, so EchoDash finds it through
its `echodash.sources` entry point exactly as it would find any third-party sender — and a
browser then finds it on the Sources pages with its own label, mark and guide.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import importlib.metadata
import json
import os
import shutil
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, expect

from echodash.events import Category, Outcome, Severity
from echodash.sources import SignatureError, Source
from tests.browser.conftest import browser, create_first_admin, shot
from tests.support import ECHODASH, REPO, Server

EXAMPLE = REPO / "examples" / "echodash-acme"
PACKAGE = EXAMPLE / "echodash_acme"
FILES = ("__init__.py", "source.py", "reader.py", "titles.py")
DOC = REPO / "docs" / "writing-a-source.md"
__all__ = ["browser"]  # the fixture, from the browser tests
SECRET = "acme-test-secret-0123456789"
BODY = {
    "event": "deploy.finished",
    "service": "api",
    "status": "succeeded",
    "environment": "production",
    "sha": "9f2c1e4",
    "url": "https://deploys.acme.example/runs/981",
}


def _load_example() -> ModuleType:
    """The example package straight from its folder (the unit tests need no install)."""
    if str(EXAMPLE) not in sys.path:
        sys.path.insert(0, str(EXAMPLE))
    return importlib.import_module("echodash_acme")


acme = _load_example()


def sign(body: bytes, secret: str = SECRET) -> str:
    return hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def encoded(document: Any) -> bytes:
    return json.dumps(document).encode()


# --- the page and the code cannot drift apart -------------------------------------------------


def test_the_example_is_one_folder_with_the_senders_file_names() -> None:
    assert sorted(p.name for p in PACKAGE.glob("*.py")) == sorted(FILES)
    built_in = REPO / "src" / "echodash" / "sources" / "github"
    assert {"__init__.py", "source.py", "reader.py", "titles.py"} <= {
        p.name for p in built_in.glob("*.py")
    }
    lines = sum(len((PACKAGE / name).read_text().splitlines()) for name in FILES)
    assert lines <= 110, f"the example sender has {lines} lines; the page promises about 100"


@pytest.mark.parametrize("name", FILES)
def test_every_file_of_the_example_appears_in_the_page(name: str) -> None:
    page = DOC.read_text(encoding="utf-8")
    code = (PACKAGE / name).read_text(encoding="utf-8")
    # The whole file, in order, in one block.
    assert code.rstrip("\n") in page, f"{name} is not shown verbatim in {DOC.name}"


def test_the_page_shows_the_example_pyproject_verbatim() -> None:
    pyproject = (EXAMPLE / "pyproject.toml").read_text(encoding="utf-8").rstrip("\n")
    assert pyproject in DOC.read_text(encoding="utf-8")
    assert '[project.entry-points."echodash.sources"]\nacme = "echodash_acme:AcmeSource"' in (
        pyproject
    )


# --- the source as plain Python ---------------------------------------------------------------


def test_a_signed_delivery_matches_its_secret_among_several() -> None:
    body = encoded(BODY)
    source = acme.AcmeSource()
    assert isinstance(source, Source)
    headers = {"x-acme-signature": sign(body)}
    assert source.verify(headers, body, ["an-old-secret", SECRET]) == 1
    assert source.verify({"x-acme-signature": sign(body).upper()}, body, [SECRET]) == 0


@pytest.mark.parametrize(
    ("headers", "secrets", "reason"),
    [
        ({}, [SECRET], "missing_signature"),
        ({"x-acme-signature": "   "}, [SECRET], "missing_signature"),
        ({"x-acme-signature": "sha1=abc"}, [SECRET], "malformed_signature"),
        ({"x-acme-signature": "é" * 64}, [SECRET], "malformed_signature"),
        ({"x-acme-signature": "0" * 63}, [SECRET], "malformed_signature"),
        ({"x-acme-signature": "0" * 64}, [SECRET], "bad_signature"),
        ({"x-acme-signature": "SIGN(other)"}, [SECRET], "malformed_signature"),
        ({"x-acme-signature": "SIGN(other)"}, [], "malformed_signature"),
        ({"x-acme-signature": "SIGN(ok)"}, [""], "bad_signature"),  # an empty key never matches
        ({"x-acme-signature": "SIGN(ok)"}, [], "bad_signature"),
    ],
)
def test_anything_else_is_refused_with_a_reason(
    headers: dict[str, str], secrets: list[str], reason: str
) -> None:
    body = encoded(BODY)
    value = headers.get("x-acme-signature", "")
    if value == "SIGN(ok)":
        headers = {"x-acme-signature": sign(body)}
    elif value == "SIGN(other)":
        headers = {"x-acme-signature": "sha256=" + sign(body)}  # a prefix Acme never sends
    with pytest.raises(SignatureError) as refused:
        acme.AcmeSource().verify(headers, body, secrets)
    assert refused.value.reason == reason


def test_a_changed_body_is_refused() -> None:
    body = encoded(BODY)
    forged = encoded({**BODY, "status": "failed"})
    with pytest.raises(SignatureError) as refused:
        acme.AcmeSource().verify({"x-acme-signature": sign(body)}, forged, [SECRET])
    assert refused.value.reason == "bad_signature"


def test_delivery_id_is_the_header_or_none() -> None:
    source = acme.AcmeSource()
    assert source.delivery_id({"x-acme-delivery": " run-981 "}, b"") == "run-981"
    assert source.delivery_id({"x-acme-delivery": ""}, b"") is None
    assert source.delivery_id({}, b"{}") is None


def test_a_deploy_reads_as_one_line() -> None:
    [draft] = acme.AcmeSource().parse({}, encoded(BODY))
    assert draft.type == "deploy.finished"
    assert draft.title == "Deploy of api succeeded"
    assert draft.severity == Severity.SUCCESS
    assert draft.subject == "api"
    assert draft.url == BODY["url"]
    assert draft.fields == {"status": "succeeded"}
    assert (draft.category, draft.outcome) == (Category.DEPLOYMENT, Outcome.SUCCESS)
    assert (draft.service, draft.environment, draft.commits) == (
        "acme:api",
        "production",
        ("9f2c1e4",),
    )


def test_a_failed_deploy_is_an_error() -> None:
    [draft] = acme.AcmeSource().parse({}, encoded({**BODY, "status": "failed"}))
    assert (draft.title, draft.severity) == ("Deploy of api failed", Severity.ERROR)


@pytest.mark.parametrize(
    "body",
    [
        b"",
        b"\xff\xfe\x00binary",
        b"[1, 2, 3]",
        b"null",
        b'"text"',
        b"1e400",
        encoded({}),
        encoded({"event": None, "service": ["a"], "status": {"x": 1}, "url": "javascript:x"}),
        encoded({"event": 12, "service": 3.5, "status": True, "url": 7}),
        encoded({"service": "x" * 10_000, "status": "\n\t"}),
    ],
)
def test_parse_never_raises_and_always_gives_a_line(body: bytes) -> None:
    drafts = acme.AcmeSource().parse({"content-type": "application/json"}, body)
    assert len(drafts) == 1
    assert drafts[0].title
    assert drafts[0].url is None or drafts[0].url.startswith("https://")


def test_options_are_refused_by_default() -> None:
    assert acme.AcmeSource.validate_options({}) == {}
    with pytest.raises(ValueError, match="acme"):
        acme.AcmeSource.validate_options({"colour": "blue"})


# --- installed for real, in a real server -----------------------------------------------------


def _pip_install(source: Path, target: Path) -> subprocess.CompletedProcess[str]:
    base = [sys.executable, "-m", "pip", "install", "--no-deps", "--disable-pip-version-check"]
    tail = ["--target", str(target), str(source)]
    # Offline-friendly first: build with the venv's own setuptools. That needs `wheel` on old
    # setuptools; if it is missing, let pip build in an isolated environment instead.
    first = subprocess.run(
        [*base, "--no-build-isolation", *tail], capture_output=True, text=True, timeout=300
    )
    if first.returncode == 0:
        return first
    return subprocess.run([*base, *tail], capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def acme_site(tmp_path_factory: pytest.TempPathFactory) -> Path:
    work = tmp_path_factory.mktemp("acme")
    # pip builds in the source tree (build/, *.egg-info): build a copy, so nothing is left
    # behind in examples/.
    source = work / "echodash-acme"
    shutil.copytree(EXAMPLE, source, ignore=shutil.ignore_patterns("build", "*.egg-info"))
    site = work / "site"
    done = _pip_install(source, site)
    assert done.returncode == 0, f"pip install failed:\n{done.stdout}\n{done.stderr}"
    return site


def _python_path(site: Path) -> str:
    existing = os.environ.get("PYTHONPATH")
    return os.pathsep.join([str(site), existing]) if existing else str(site)


@pytest.fixture(scope="module")
def acme_server(tmp_path_factory: pytest.TempPathFactory, acme_site: Path) -> Iterator[Server]:
    data = tmp_path_factory.mktemp("acme-server") / "data"
    server = Server(data, env={"PYTHONPATH": _python_path(acme_site)}).start()
    yield server
    server.stop()


def test_the_installed_package_declares_its_entry_point(acme_site: Path) -> None:
    [dist] = list(importlib.metadata.distributions(path=[str(acme_site)]))
    assert dist.metadata["Name"] == "echodash-acme"
    [entry] = [e for e in dist.entry_points if e.group == "echodash.sources"]
    assert (entry.name, entry.value) == ("acme", "echodash_acme:AcmeSource")
    for name in FILES:
        assert (acme_site / "echodash_acme" / name).read_bytes() == (PACKAGE / name).read_bytes()


def test_signed_deliveries_become_readable_events_and_forgeries_are_refused(
    acme_server: Server,
) -> None:
    endpoint = acme_server.create_endpoint("acme", name="prod", secret=SECRET)
    assert endpoint["kind"] == "acme"
    url = f"{acme_server.url}/in/{endpoint['slug']}"
    body = encoded(BODY)
    delivery = f"run-{uuid.uuid4()}"
    headers = {
        "Content-Type": "application/json",
        "X-Acme-Delivery": delivery,
        "X-Acme-Signature": sign(body),
    }
    with httpx.Client(timeout=10.0) as client:
        accepted = client.post(url, content=body, headers=headers)
        assert accepted.status_code == 202, accepted.text
        assert accepted.json() == {
            "status": "accepted",
            "delivery_id": delivery,
            "duplicate": False,
        }
        again = client.post(url, content=body, headers=headers)
        assert again.status_code == 202, again.text
        assert again.json()["duplicate"] is True

        forged_body = encoded({**BODY, "status": "failed"})
        forged = client.post(url, content=forged_body, headers=headers)
        assert forged.status_code == 401, forged.text
        assert forged.json()["error"] == "bad_signature"
        wrong_key = {**headers, "X-Acme-Signature": sign(body, "not-the-secret")}
        assert client.post(url, content=body, headers=wrong_key).status_code == 401
        unsigned = {k: v for k, v in headers.items() if k != "X-Acme-Signature"}
        refused = client.post(url, content=body, headers=unsigned)
        assert refused.status_code == 401
        assert refused.json()["error"] == "missing_signature"

    [event] = acme_server.wait_for_events(1, endpoint=endpoint["id"])
    assert event["source"] == "acme"
    assert event["type"] == "deploy.finished"
    assert event["title"] == "Deploy of api succeeded"
    assert event["severity"] == "success"
    assert event["subject"] == "api"
    assert event["url"] == BODY["url"]
    # Only the one good delivery: the duplicate and the forgeries left nothing behind.
    assert len(acme_server.all_events(endpoint=endpoint["id"])) == 1


def test_the_cli_creates_an_endpoint_of_the_plugin_kind(acme_server: Server) -> None:
    # Endpoint names are unique in a workspace: "prod" is taken by the delivery test.
    done = acme_server.cli("endpoints", "create", "--kind", "acme", "--name", "staging")
    assert done.returncode == 0, done.stderr
    assert "(acme)" in done.stdout
    assert "Receive URL:" in done.stdout


def test_without_the_plugin_the_kind_is_unknown_and_the_error_lists_the_known_kinds(
    acme_server: Server,
) -> None:
    env = acme_server.cli_env()
    env.pop("PYTHONPATH", None)
    if os.environ.get("PYTHONPATH"):
        env["PYTHONPATH"] = os.environ["PYTHONPATH"]
    done = subprocess.run(
        [ECHODASH, "endpoints", "create", "--kind", "acme", "--name", "prod"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode != 0
    assert "unknown source kind 'acme'" in done.stderr
    assert "known: " in done.stderr and "github" in done.stderr


def test_the_plugin_sender_is_on_the_sources_pages_with_its_label_mark_and_guide(
    browser: Browser, acme_server: Server
) -> None:
    """A plugin is as much at home as a built-in sender: listed among the tools to connect,
    with its own mark and colour, and its own set-up guide on its endpoint's page."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    create_first_admin(page, acme_server)
    page.goto(acme_server.url + "/sources/new")
    choice = page.get_by_role("link", name="Acme Deploys")
    expect(choice).to_be_visible()
    mark = choice.locator("svg.src-icon use")
    assert mark.get_attribute("href", timeout=5000).split("#")[1] == "src-acme"  # type: ignore[union-attr]
    colour = choice.locator("svg.src-icon").evaluate("e => getComputedStyle(e).color")
    assert colour == "rgb(180, 83, 9)", colour  # its own light-theme colour, #b45309
    sprite = httpx.get(acme_server.url + "/assets/sources.svg").text
    assert '<symbol id="src-acme" viewBox="0 0 24 24"><path d="M12 2 23 21H1z"' in sprite
    shot(page, "sources-connect-with-plugin")
    choice.click()
    page.get_by_role("textbox", name="Name", exact=True).fill("canary")
    page.get_by_role("button", name="Create").click()
    expect(
        page.get_by_text("Acme console → your project → Notifications → Webhooks")
    ).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Acme Deploys")
    shot(page, "source-created-plugin")
    context.close()
