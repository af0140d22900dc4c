"""A delivery's body as its event page shows it: a bounded JSON tree and a capped text.

A body may be 25 MB (ECHODASH_MAX_BODY_BYTES) holding hundreds of thousands of values, or be
nested a thousand levels deep. The page shows a part of bounded size, says in words what it
left out, and links the raw download for the rest. Building a view parses the whole body:
callers run `payload_view` off the event loop (see `web.offload`).
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

import orjson

MAX_NODES = 2_000  # values in the tree, shallow ones first: some 0.5 MB of HTML at most
MAX_ENTRIES = 200  # items of one list (keys of one object) shown
MAX_DEPTH = 20  # levels of nesting shown
MAX_STRING = 1_000  # characters of one text value shown
MAX_TEXT = 256 * 1024  # bytes of the body shown as text
MAX_PATH = 80  # characters of a path named in the notes
BRANCHES = ("object", "list")


@dataclass(slots=True)
class Node:
    """One JSON value of the tree: a leaf as JSON writes it, or an object or list."""

    kind: str  # "object", "list", "string", "number", "bool" or "null"
    text: str = ""  # a leaf's text (a string without its quotes, cut to MAX_STRING)
    size: int = 0  # entries of an object or list; characters of a string
    entries: list[tuple[str, Node]] = field(default_factory=list)
    folded: bool = False  # entries left out: nested too deep, or the tree was full

    @property
    def more(self) -> int:
        """Entries (or characters) of the payload not shown."""
        shown = len(self.entries) if self.kind in BRANCHES else len(self.text)
        return self.size - shown


@dataclass(frozen=True, slots=True)
class PayloadView:
    """What the page shows of a body, and what it left out (`notes`, in words)."""

    tree: Node | None  # None when the body is not JSON
    text: str
    size: int
    notes: tuple[str, ...] = ()
    text_cut: bool = False


@dataclass
class _Cuts:
    """What the tree leaves out, gathered while it is built."""

    biggest: tuple[int, Node, str] | None = None  # (entries left out, node, its path)
    lists: int = 0  # lists and objects showing only their first entries
    full: bool = False
    deep: bool = False
    strings: int = 0

    def notes(self) -> list[str]:
        found: list[str] = []
        if self.biggest is not None:
            _, node, path = self.biggest
            noun = "items" if node.kind == "list" else "keys"
            where = f" in {path}" if path else ""
            found.append(f"the first {len(node.entries):,} of {node.size:,} {noun}{where}")
        if self.lists > 1:
            others = self.lists - 1
            lists = "list or object" if others == 1 else "lists and objects"
            found.append(f"the first {MAX_ENTRIES:,} entries of {others:,} other long {lists}")
        if self.full:
            found.append(f"the first {MAX_NODES:,} values")
        if self.deep:
            found.append(f"the first {MAX_DEPTH} levels of nesting")
        if self.strings:
            texts = "text" if self.strings == 1 else "texts"
            found.append(f"{self.strings:,} long {texts} cut to {MAX_STRING:,} characters")
        return found


def parse_json(body: bytes) -> tuple[bool, Any]:
    """(True, the parsed document) when the body is JSON, else (False, None)."""
    try:
        return True, orjson.loads(body)
    except orjson.JSONDecodeError:  # also what orjson says when nested over 1,024 levels
        return False, None


def payload_view(body: bytes) -> PayloadView:
    """The bounded view of `body`. Its work grows with the body: run it off the event loop."""
    is_json, payload = parse_json(body)
    cuts = _Cuts()
    tree = _tree(payload, cuts) if is_json else None
    text, text_cut = _pretty(payload, body) if is_json else _as_text(body)
    notes = cuts.notes()
    if text_cut:
        notes.append(f"the first {text.count(chr(10)) + 1:,} lines as text")
    return PayloadView(tree, text, len(body), tuple(notes), text_cut)


def _tree(payload: Any, cuts: _Cuts) -> Node:
    """Breadth first, so every top-level key shows before the budget reaches deep ones."""
    root = _node(payload, cuts)
    queue: deque[tuple[Node, Any, int, str]] = deque([(root, payload, 0, "")])
    budget = MAX_NODES - 1
    while queue:
        node, value, depth, path = queue.popleft()
        if node.size == 0:
            continue
        if depth >= MAX_DEPTH or budget <= 0:
            node.folded = True
            cuts.deep = cuts.deep or depth >= MAX_DEPTH
            cuts.full = cuts.full or depth < MAX_DEPTH
            continue
        pairs = value.items() if isinstance(value, dict) else enumerate(value)
        for key, child_value in islice(pairs, min(MAX_ENTRIES, budget)):
            child = _node(child_value, cuts)
            node.entries.append((str(key), child))
            if child.kind in BRANCHES:
                queue.append((child, child_value, depth + 1, _join(path, str(key))))
        budget -= len(node.entries)
        if node.more:
            _note_cut(node, path, cuts, budget)
    return root


def _node(value: Any, cuts: _Cuts) -> Node:
    if isinstance(value, dict):
        return Node("object", size=len(value))
    if isinstance(value, list):
        return Node("list", size=len(value))
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            cuts.strings += 1
        return Node("string", text=value[:MAX_STRING], size=len(value))
    if isinstance(value, bool):
        return Node("bool", text="true" if value else "false")
    if value is None:
        return Node("null", text="null")
    return Node("number", text=str(value))


def _note_cut(node: Node, path: str, cuts: _Cuts, budget: int) -> None:
    if len(node.entries) < MAX_ENTRIES and budget <= 0:
        cuts.full = True  # cut by the tree's budget, not by the list's length
        return
    cuts.lists += 1
    if cuts.biggest is None or node.more > cuts.biggest[0]:
        cuts.biggest = (node.more, node, path)


def _join(path: str, key: str) -> str:
    joined = f"{path}.{key}" if path else key
    return joined if len(joined) <= MAX_PATH else joined[: MAX_PATH - 1] + "…"


def _pretty(payload: Any, body: bytes) -> tuple[str, bool]:
    try:
        indented = orjson.dumps(payload, option=orjson.OPT_INDENT_2)
    except orjson.JSONEncodeError:  # nested deeper than orjson writes (254 levels): as sent
        indented = body
    return _as_text(indented)


def _as_text(body: bytes) -> tuple[str, bool]:
    """The first MAX_TEXT bytes as text, ended at a line break when there is one."""
    shown = body
    if len(body) > MAX_TEXT:
        line_end = body.rfind(b"\n", 0, MAX_TEXT)
        shown = body[: line_end if line_end > 0 else MAX_TEXT]
    try:
        return shown.decode("utf-8"), len(shown) < len(body)
    except UnicodeDecodeError as error:
        # A character split by the cut is left out; anything else wrong is binary data.
        if len(shown) < len(body) and error.reason == "unexpected end of data":
            return shown[: error.start].decode("utf-8"), True
        return f"({len(body):,} bytes of binary data)", False
