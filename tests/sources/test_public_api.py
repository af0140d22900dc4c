"""The sender plugin API is `echodash.sources.__all__`, pinned here: it changes only on purpose,
together with docs/writing-a-source.md (which names every one of these)."""

from __future__ import annotations

import re

import echodash.sources
from tests.support import REPO

PINNED = [
    "Category",
    "EventDraft",
    "FieldValue",
    "Guide",
    "Handshake",
    "Headers",
    "KeyFacts",
    "Outcome",
    "PayloadReader",
    "SecretTest",
    "Severity",
    "SignatureError",
    "Source",
    "TitleBook",
    "UnknownSourceError",
    "body_hash_key",
    "check_window",
    "dig",
    "header_value",
    "hex_hmac_test",
    "key_facts",
    "line",
    "link",
    "load_json",
    "parse_time",
    "source_class",
    "source_classes",
    "text",
    "token_test",
]


def test_the_plugin_api_is_exactly_what_is_pinned() -> None:
    assert sorted(echodash.sources.__all__) == PINNED
    for name in PINNED:
        assert getattr(echodash.sources, name, None) is not None, name


def test_the_guide_names_every_part_of_the_plugin_api() -> None:
    page = (REPO / "docs" / "writing-a-source.md").read_text()
    offered = page.split("## What `echodash.sources` offers", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"`([A-Za-z_]+)`", offered))
    assert sorted(set(PINNED) - named) == []


def test_the_guides_example_imports_only_the_plugin_api() -> None:
    package = REPO / "examples" / "echodash-acme" / "echodash_acme"
    for path in package.glob("*.py"):
        for found in re.findall(r"^from (echodash(?:\.\w+)*) import", path.read_text(), re.M):
            assert found == "echodash.sources", f"{path.name} imports from {found}"
