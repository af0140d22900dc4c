"""Docs are tested: every source, setting, CLI command, route and metric has its page."""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from dataclasses import fields
from pathlib import Path

import click
import pytest
from starlette.routing import Route

from echodash.cli.main import cli
from echodash.config import Settings
from echodash.sources import source_classes
from echodash.telemetry import Telemetry
from echodash.web.routes import routes
from tools.docs_hooks import COMMANDS_PAGE, OPENAPI_PAGE

REPO = Path(__file__).resolve().parents[1]
DOCS = REPO / "docs"
README = REPO / "README.md"
# A page shorter than this is a stub, not documentation.
MIN_SOURCE_PAGE_CHARS = 1000


def _text(path: Path) -> str:
    assert path.is_file(), f"{path.relative_to(REPO)} is missing"
    return path.read_text(encoding="utf-8")


def _command_paths(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, click.Command]]:
    """(`endpoints create`, its command) for every visible command, groups included."""
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        if command is None or command.hidden:
            continue
        path = " ".join((*prefix, name))
        yield path, command
        if isinstance(command, click.Group):
            yield from _command_paths(command, (*prefix, name))


COMMANDS = dict(_command_paths(cli))


@pytest.mark.parametrize("kind", sorted(source_classes()))
def test_every_source_kind_has_a_page(kind: str) -> None:
    page = DOCS / "sources" / f"{kind}.md"
    text = _text(page)
    assert len(text) >= MIN_SOURCE_PAGE_CHARS, f"{page.name} is a stub ({len(text)} characters)"
    assert "endpoints create" in text or "/api/v1/endpoints" in text, (
        f"{page.name} does not say how to create an endpoint of kind {kind!r}"
    )


@pytest.mark.parametrize("kind", sorted(source_classes()))
def test_the_api_page_names_every_kind_an_endpoint_can_have(kind: str) -> None:
    """The kinds are read from the registry, so the list on the page cannot fall behind."""
    endpoints = _text(DOCS / "api.md").split("### `POST /api/v1/endpoints`", 1)[1][:2000]
    assert f"`{kind}`" in endpoints, f"docs/api.md does not list the kind {kind}"


@pytest.mark.parametrize("name", [f.name for f in fields(Settings)])
def test_every_setting_is_documented(name: str) -> None:
    variable = f"ECHODASH_{name.upper()}"
    assert variable in _text(DOCS / "configuration.md"), f"{variable} is not documented"


def test_cli_has_commands_to_document() -> None:
    assert {"serve", "endpoints create", "events tail", "tokens create"} <= set(COMMANDS)


@pytest.mark.parametrize("path", sorted(COMMANDS))
def test_every_cli_command_is_documented(path: str) -> None:
    text = _text(DOCS / "cli.md")
    assert re.search(rf"echodash {re.escape(path)}(?![\w-])", text), (
        f"`echodash {path}` is not documented in docs/cli.md"
    )


@pytest.mark.parametrize("path", ["", *sorted(COMMANDS)], ids=lambda p: f"echodash {p}".strip())
def test_every_cli_option_is_documented(path: str) -> None:
    text = _text(DOCS / "cli.md")
    command = COMMANDS[path] if path else cli
    for param in command.params:
        if not isinstance(param, click.Option) or param.hidden:
            continue
        for flag in param.opts:
            if flag.startswith("--"):
                assert re.search(rf"{re.escape(flag)}(?![\w-])", text), (
                    f"`{f'echodash {path}'.strip()} {flag}` is not documented in docs/cli.md"
                )


def _route_lines() -> list[str]:
    lines = []
    for route in routes:
        if not isinstance(route, Route):
            continue  # the static files mount: not a route people call
        for method in sorted((route.methods or set()) - {"HEAD"}):
            lines.append(f"{method} {route.path}")
    return lines


@pytest.mark.parametrize("route", _route_lines())
def test_every_route_is_documented(route: str) -> None:
    path = route.split(" ", 1)[1]
    text = _text(DOCS / "api.md")
    assert path in text, f"{path} is not documented in docs/api.md"
    assert route in text, f"`{route}` is not documented in docs/api.md"


@pytest.mark.parametrize("metric", sorted(m.name for m in Telemetry().registry.collect()))
def test_every_prometheus_metric_is_documented(metric: str) -> None:
    assert metric in _text(DOCS / "api.md"), f"metric {metric} is not documented in docs/api.md"


def test_readme_shows_make_run_and_make_test_on_its_first_screen() -> None:
    first_screen = "\n".join(_text(README).splitlines()[:40])
    assert "make run" in first_screen
    assert "make test" in first_screen


_LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
_HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*#*$", re.MULTILINE)


def _anchors(markdown: str) -> set[str]:
    """The anchors a Markdown renderer gives the page's headings (GitHub's rules)."""
    text = re.sub(r"```.*?```", "", markdown, flags=re.DOTALL)
    return {
        re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        for heading in _HEADING.findall(text)
    }


# Pages the docs site writes at build time (tools/docs_hooks.py): no file to link to here.
GENERATED = {DOCS / OPENAPI_PAGE, DOCS / COMMANDS_PAGE}


@pytest.mark.parametrize(
    "page",
    ["README.md", *sorted(str(p.relative_to(REPO)) for p in DOCS.rglob("*.md"))],
)
def test_relative_links_point_at_existing_files_and_headings(page: str) -> None:
    source = REPO / page
    for target in _LINK.findall(_text(source)):
        if re.match(r"[a-z][a-z0-9+.-]*:", target):
            continue  # an external URL
        path, _, anchor = target.partition("#")
        linked = source.parent / path if path else source
        if linked.resolve() in GENERATED:
            continue  # `make docs` checks these links (mkdocs --strict)
        assert linked.exists(), f"{page} links to missing {target}"
        if anchor and linked.suffix == ".md":
            assert anchor in _anchors(_text(linked)), f"{page} links to missing anchor {target}"


def test_getting_started_tails_before_sending_and_shows_what_it_sends() -> None:
    """The first-event walk-through (the README sends newcomers there): its steps in order, the
    tail started before the delivery is sent, and the line it promises is the one EchoDash
    makes of what is sent."""
    import json

    from echodash.sources import source_class

    text = _text(DOCS / "getting-started.md")
    steps = re.findall(r"^## (\d)\. ", text, re.M)
    assert steps == sorted(steps) and len(steps) >= 5, f"the steps are out of order: {steps}"
    tail, send = text.index("echodash events tail"), text.index('"X-GitHub-Event"')
    assert tail < send, "the reader must start the tail before sending"
    sent = re.findall(r'"X-GitHub-Event": "(\w+)"', text)
    assert sent == ["star"], f"the walk-through sends {sent}"
    body = re.search(r"body = json.dumps\((\{.*?\})\)", text, re.S)
    assert body, "the walk-through's body is not where the test expects it"
    promised = re.search(r"shows it at once as one line, \*(.+?)\*", text)
    assert promised, "the walk-through does not say what the tail shows"
    payload = ast.literal_eval(body.group(1))
    headers = {"x-github-event": sent[0], "content-type": "application/json"}
    (draft,) = source_class("github")().parse(headers, json.dumps(payload).encode())
    assert draft.title == promised.group(1)


def test_custom_events_example_uses_the_documented_key() -> None:
    text = _text(DOCS / "sources" / "custom.md")
    setup = text.split("## Setup", 1)[1].split("\n## ", 1)[0]
    assert '"values": {' in setup, "the setup example should send `values`, as the table says"


def test_every_rule_on_the_alerts_page_is_one_the_api_accepts() -> None:
    """The page's example and recipes are meant to be pasted: each must parse as a rule."""
    import json

    from echodash.alerts.rules import parse_rule

    blocks = re.findall(r"```json\n(.*?)```", _text(DOCS / "alerts.md"), re.DOTALL)
    rules = [json.loads(block) for block in blocks if '"condition"' in block]
    assert len(rules) >= 6, "the alerts page lost its example or recipes"
    for rule in rules:
        parse_rule(rule)
