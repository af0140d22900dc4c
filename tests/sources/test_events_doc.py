"""docs/events.md is the contract for the change vocabulary, and each sender's docs page for
its event types: both are read here and held against what the senders really produce.

- Every sample delivery of every sender (the shared fixtures and each sender's own samples,
  `tests/sources/<kind>/samples.py`) is parsed; each event's category, service, environment
  and outcome must be what its row in docs/events.md says.
- Every event type a sender's page lists under "Event types" has a title builder of its own
  (none falls back to the generic line), and every builder is listed.
"""

from __future__ import annotations

import fnmatch
import importlib
import re
from dataclasses import dataclass
from typing import Any

import orjson
import pytest

from echodash.events import EventDraft
from echodash.sources import dig, source_classes
from tests.support import REPO

DOC = REPO / "docs" / "events.md"
SOURCE_DOCS = REPO / "docs" / "sources"
_SECTION = re.compile(r"^### .*?`([a-z0-9_-]+)`\s*$", re.M)
_PATH = re.compile(r"\{([^{}]+)\}")
# A type cell may say when its row applies: "`push` when `ref` is `refs/tags/*`".
_WHEN = re.compile(r"^`([^`]+)`\s+when\s+`([^`]+)`\s+is\s+`([^`]+)`$")


@dataclass(frozen=True)
class Row:
    pattern: str
    category: str
    service: str | None
    environment: str | None
    outcomes: frozenset[str]
    # (payload path, pattern): the row applies only when a value at the path matches the
    # pattern (without case); `*` in the path stands for each item of a list.
    when: tuple[str, str] | None = None


def _cell(text: str) -> str:
    return text.strip().strip("`").strip()


def rows_by_kind() -> dict[str, list[Row]]:
    text = DOC.read_text()
    found: dict[str, list[Row]] = {}
    marks = list(_SECTION.finditer(text))
    for index, mark in enumerate(marks):
        end = marks[index + 1].start() if index + 1 < len(marks) else len(text)
        rows = []
        for raw in text[mark.end() : end].splitlines():
            cells = [c.strip() for c in raw.strip().strip("|").split("|")]
            if len(cells) != 5 or not cells[0].startswith("`"):
                continue
            pattern, category, service, environment, outcome = cells
            condition = _WHEN.match(pattern)
            rows.append(
                Row(
                    pattern=condition.group(1) if condition else _cell(pattern),
                    category=_cell(category),
                    service=None if _cell(service) in ("—", "") else _cell(service),
                    environment=None if _cell(environment) in ("—", "") else _cell(environment),
                    outcomes=frozenset(
                        _cell(o) for o in outcome.split("/") if _cell(o) not in ("—", "")
                    ),
                    when=(condition.group(2), condition.group(3)) if condition else None,
                )
            )
        found[mark.group(1)] = rows
    return found


def row_for(rows: list[Row], event_type: str, document: Any = None) -> Row | None:
    """The row of a type: an exact one first, else the longest matching pattern; of rows
    with the same pattern, one whose condition holds for the payload before one without."""
    rows = [r for r in rows if r.when is None or holds(r.when, document)]
    exact = [r for r in rows if r.pattern == event_type]
    if exact:
        return max(exact, key=lambda r: r.when is not None)
    matching = [r for r in rows if fnmatch.fnmatchcase(event_type, r.pattern)]
    if not matching:
        return None
    return max(matching, key=lambda r: (len(r.pattern), r.when is not None))


def holds(when: tuple[str, str], document: Any) -> bool:
    path, pattern = when
    return any(
        fnmatch.fnmatchcase(_shown(value).lower(), pattern.lower())
        for value in _values(document, path.split("."))
        if value is not None
    )


def _values(node: Any, parts: list[str]) -> list[Any]:
    if not parts:
        return [node]
    head, rest = parts[0], parts[1:]
    if head == "*" and isinstance(node, list):
        return [found for item in node for found in _values(item, rest)]
    found = dig(node, head)
    return [] if found is None else _values(found, rest)


def _shown(value: Any) -> str:
    return value if isinstance(value, str) else orjson.dumps(value).decode()


def expected(template: str | None, document: Any) -> str | None:
    """A row's `service`/`environment` with the payload's values put in (None if one is
    missing from the payload)."""
    if template is None:
        return None
    missing = False

    def value(match: re.Match[str]) -> str:
        nonlocal missing
        found = None
        for path in match.group(1).split(" or "):
            found = dig(document, path.strip())
            if found not in (None, ""):
                break
        if found in (None, ""):
            missing = True
            return ""
        return str(found)

    filled = _PATH.sub(value, template)
    return None if missing else filled


def samples(kind: str) -> list[tuple[dict[str, str], bytes]]:
    module = importlib.import_module(f"tests.sources.{kind}.samples")
    found: list[tuple[dict[str, str], bytes]] = module.SAMPLES
    return found


CHECKED = list(source_classes())


def test_every_sender_has_its_section_and_samples() -> None:
    sections = rows_by_kind()
    for kind in CHECKED:
        assert sections.get(kind), f"docs/events.md has no rows for {kind}"
        assert samples(kind), f"tests/sources/{kind}/samples.py has no samples"


@pytest.mark.parametrize("kind", CHECKED)
def test_events_carry_the_vocabulary_docs_events_md_gives(kind: str) -> None:
    rows = rows_by_kind()[kind]
    source = source_classes()[kind]({})
    wrong: list[str] = []
    for headers, body in samples(kind):
        document = _json(body)
        for draft in source.parse(headers, body):
            problem = _check(draft, row_for(rows, draft.type, document), document)
            if problem:
                wrong.append(f"{draft.type}: {problem}")
    assert not wrong, "\n".join(sorted(set(wrong))[:40])


def _check(draft: EventDraft, row: Row | None, document: Any) -> str:
    if row is None:
        return "no row in docs/events.md"
    if draft.category.value != row.category:
        return f"category {draft.category.value!r}, docs say {row.category!r}"
    if draft.service != expected(row.service, document):
        return f"service {draft.service!r}, docs say {row.service!r}"
    if draft.environment != expected(row.environment, document):
        return f"environment {draft.environment!r}, docs say {row.environment!r}"
    outcome = None if draft.outcome is None else draft.outcome.value
    if (outcome is None) != (not row.outcomes) or (outcome and outcome not in row.outcomes):
        return f"outcome {outcome!r}, docs allow {sorted(row.outcomes) or 'none'}"
    return ""


def _json(body: bytes) -> Any:
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        return None


def listed_types(kind: str) -> list[str]:
    """The backticked names in the first column of the page's "Event types" table."""
    page = (SOURCE_DOCS / f"{kind}.md").read_text()
    section = page.split("## Event types", 1)[1].split("\n## ", 1)[0]
    names = []
    for raw in section.splitlines():
        first = raw.strip().strip("|").split("|")[0].strip()
        names += re.findall(r"`([^`]+)`", first)
    return names


@pytest.mark.parametrize("kind", CHECKED)
def test_every_listed_type_has_its_own_title(kind: str) -> None:
    book = source_classes()[kind].titles.names()
    listed = listed_types(kind)
    assert listed, f"docs/sources/{kind}.md lists no event types"
    assert sorted(set(listed) - set(book)) == [], "listed but falling back to the generic line"
    assert sorted(set(book) - set(listed)) == [], "built but not listed on the page"
