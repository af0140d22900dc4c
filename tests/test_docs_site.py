"""The docs site (mkdocs.yml, tools/docs_hooks.py): every page is in the navigation, and the
generated references cover every API operation and every command. `make docs` builds the site
itself with --strict; these checks are the fast part."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml

from echodash.web.openapi import build_document
from tests.support import REPO
from tests.test_docs import COMMANDS, DOCS
from tools.docs_hooks import (
    COMMANDS_PAGE,
    OPENAPI_PAGE,
    _rewrite,
    commands_markdown,
    github_slug,
    openapi_markdown,
)


def _nav_pages(node: Any) -> Iterator[str]:
    if isinstance(node, str):
        yield node
    elif isinstance(node, list):
        for item in node:
            yield from _nav_pages(item)
    elif isinstance(node, dict):
        for value in node.values():
            yield from _nav_pages(value)


NAV = list(_nav_pages(yaml.safe_load((REPO / "mkdocs.yml").read_text())["nav"]))


@pytest.mark.parametrize("page", sorted(p.relative_to(DOCS).as_posix() for p in DOCS.rglob("*.md")))
def test_every_docs_page_is_in_the_site_navigation(page: str) -> None:
    assert page in NAV, f"docs/{page} is not in mkdocs.yml's nav"


def test_every_navigation_entry_is_a_page() -> None:
    for page in NAV:
        assert (DOCS / page).is_file() or page in (OPENAPI_PAGE, COMMANDS_PAGE), page


def test_the_api_reference_lists_every_operation_of_the_openapi_document() -> None:
    text = openapi_markdown()
    document = build_document()
    for path, methods in document["paths"].items():
        for method in methods:
            if method != "parameters":
                assert f"### `{method.upper()} {path}`" in text, f"{method} {path} is missing"
    for schema in document["components"]["schemas"]:
        assert f"### {schema}\n" in text


def test_the_command_help_page_shows_every_command() -> None:
    text = commands_markdown()
    for path in COMMANDS:
        assert f"## `echodash {path}`" in text
        assert f"Usage: echodash {path}" in text, f"echodash {path}: no --help output"


def test_links_out_of_docs_lead_to_the_site_page_of_that_file() -> None:
    text = "[a](../deploy/nginx.conf) [b](alerts.md#x) [c](https://example.com) [d](#here)"
    rewritten = _rewrite(text, DOCS, "")
    assert "[a](repository/deploy/nginx.conf.md)" in rewritten
    assert "[b](alerts.md#x)" in rewritten
    assert "[c](https://example.com)" in rewritten
    assert "[d](#here)" in rewritten
    in_sources = _rewrite("[e](../../Dockerfile)", DOCS / "sources", "sources")
    assert in_sources == "[e](../repository/Dockerfile.md)"


def test_headings_get_the_anchors_github_gives_them() -> None:
    assert github_slug("secret_key / ECHODASH_SECRET_KEY", "-") == "secret_key--echodash_secret_key"
    assert github_slug("`POST /api/v1/endpoints`", "-") == "post-apiv1endpoints"
    assert github_slug("4. Send a test delivery", "-") == "4-send-a-test-delivery"


def test_the_sources_overview_links_every_source() -> None:
    from echodash.sources import source_classes

    overview = (DOCS / "sources" / "index.md").read_text()
    for kind in source_classes():
        assert f"]({kind}.md)" in overview, f"docs/sources/index.md does not link {kind}.md"
        assert f"`{kind}`" in overview, f"docs/sources/index.md does not name the kind {kind}"
