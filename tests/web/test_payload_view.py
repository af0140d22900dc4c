"""The bounded view of a delivery's body the event page shows: what it keeps, what it says it
left out, and that its size does not grow with the body's."""

from __future__ import annotations

import orjson

from echodash.web.payload_view import (
    MAX_DEPTH,
    MAX_NODES,
    MAX_STRING,
    MAX_TEXT,
    Node,
    payload_view,
)
from tests.large_bodies import big_body, nested_body


def _count(node: Node) -> tuple[int, int]:
    """(values in the tree, its depth)."""
    values, depth = 1, 0
    for _, child in node.entries:
        child_values, child_depth = _count(child)
        values += child_values
        depth = max(depth, child_depth + 1)
    return values, depth


def test_a_small_payload_is_shown_whole() -> None:
    body = b'{"a": [1, 2.5, true, null, "x"], "b": {}}'
    view = payload_view(body)
    assert view.tree is not None and view.notes == () and not view.text_cut
    assert view.text == orjson.dumps(orjson.loads(body), option=orjson.OPT_INDENT_2).decode()
    (key, items), (_, empty) = view.tree.entries
    assert key == "a" and [(n.kind, n.text) for _, n in items.entries] == [
        ("number", "1"), ("number", "2.5"), ("bool", "true"), ("null", "null"), ("string", "x")
    ]  # fmt: skip
    assert empty.kind == "object" and empty.size == 0 and not empty.folded


def test_a_big_payload_shows_a_bounded_part_and_says_so() -> None:
    view = payload_view(big_body())
    assert view.tree is not None
    users = dict(view.tree.entries)["users"]
    assert users.size == 100_000 and len(users.entries) == 200 and users.more == 99_800
    assert _count(view.tree)[0] <= MAX_NODES
    assert len(view.text.encode()) <= MAX_TEXT and view.text.endswith(",")  # a whole line
    assert view.notes[0] == "the first 200 of 100,000 items in users"
    assert view.notes[-1].endswith("lines as text")


def test_breadth_first_every_top_level_key_shows() -> None:
    body = orjson.dumps({"rows": [{"a": [n] * 50} for n in range(200)], "total": 200})
    view = payload_view(body)
    assert view.tree is not None
    assert [key for key, _ in view.tree.entries] == ["rows", "total"]
    assert _count(view.tree)[0] <= MAX_NODES
    assert "the first 2,000 values" in view.notes
    lists = [dict(row.entries)["a"] for _, row in dict(view.tree.entries)["rows"].entries]
    assert not lists[0].folded and lists[0].size == len(lists[0].entries) == 50
    assert lists[-1].folded and not lists[-1].entries  # the budget ran out before it


def test_deep_nesting_is_cut_and_long_texts_too() -> None:
    for depth in (300, 1_000):
        view = payload_view(nested_body(depth))
        assert view.tree is not None
        assert _count(view.tree)[1] == MAX_DEPTH
        assert view.notes == ("the first 20 levels of nesting",)
        assert view.text == nested_body(depth).decode()  # too deep to re-indent: as sent
    view = payload_view(orjson.dumps({"t": "é" * 5_000}))
    assert view.tree is not None
    text = view.tree.entries[0][1]
    assert len(text.text) == MAX_STRING and text.more == 5_000 - MAX_STRING
    assert view.notes == ("1 long text cut to 1,000 characters",)


def test_text_and_binary_bodies() -> None:
    form = b"a=" + "é".encode() * MAX_TEXT
    view = payload_view(form)
    assert view.tree is None and view.text_cut
    assert view.text.startswith("a=é") and len(view.text.encode()) <= MAX_TEXT
    assert payload_view(b"\xff\xfe" * 10) == payload_view(b"\xff\xfe" * 10)
    assert payload_view(b"\xff\xfe" * 10).text == "(20 bytes of binary data)"
    assert payload_view(b"\xff" * (MAX_TEXT * 2)).text == f"({MAX_TEXT * 2:,} bytes of binary data)"
