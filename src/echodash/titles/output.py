"""What a value prints as in a title: data as JSON shows it, never a Python object's repr.

`{{ payload.items }}` on a payload without an "items" key is the dict's method; printed, it
would read `<built-in method items of dict object at 0x7f…>` (a memory address, and no title).
Methods and lazy sequences are therefore handed to templates as `Opaque` values, which print
as nothing whichever way they are turned into text (`{{ }}`, `~`, `|string`, `|upper`…).
"""

from __future__ import annotations

import json
from collections.abc import ItemsView, Iterator, KeysView, ValuesView
from typing import Any

from jinja2.runtime import Undefined

SHOWN_CHARS = 1_000  # of one container's JSON: a title is cut at 300 characters anyway
SHOWN_DEPTH = 10  # levels of a container written; deeper ones read "…"


# The views are what `.keys()`, `.values()` and `.items()` give.
_CONTAINERS = (dict, list, tuple, KeysView, ValuesView, ItemsView)


class Opaque:
    """A method or a lazy sequence met in a template: usable as it is, printed as nothing.

    Its `_inner` is out of a template's reach: the sandbox refuses names starting with '_'."""

    __slots__ = ("_inner",)

    def __init__(self, inner: Any) -> None:
        self._inner = inner

    def __iter__(self) -> Iterator[Any]:
        return iter(self._inner)

    def __str__(self) -> str:
        return ""

    def __repr__(self) -> str:
        return ""


def opaque(value: Any) -> Any:
    """`value`, wrapped if printing it would show a Python object (a method, a generator)."""
    if isinstance(value, (Undefined, Opaque)):
        return value
    if callable(value) or isinstance(value, Iterator):
        return Opaque(value)
    return value


def unwrapped(value: Any) -> Any:
    """The method an `Opaque` stands for, to be checked and called by the sandbox."""
    return value._inner if isinstance(value, Opaque) else value


def shown(value: Any) -> Any:
    """Jinja's `finalize`: what `{{ value }}` writes into a title."""
    if value is None:
        return ""  # a missing actor shows as nothing, not "None"
    if isinstance(value, (str, int, float, Undefined)):
        return value
    if isinstance(value, _CONTAINERS):
        return as_json(value)
    return ""  # a method, a generator, a loop: nothing a title can show


def as_json(value: Any) -> str:
    """`value` as JSON, cut at SHOWN_CHARS; anything that is not data reads `null`."""
    pieces: list[str] = []
    size = 0

    def emit(text: str) -> None:
        nonlocal size
        pieces.append(text)
        size += len(text)

    def write(item: Any, depth: int) -> None:
        if isinstance(item, _CONTAINERS) and depth >= SHOWN_DEPTH:
            emit("…")
        elif isinstance(item, dict):
            emit("{")
            pairs = ((key, child) for key, child in item.items() if _is_key(key))
            for index, (key, child) in enumerate(pairs):
                if size >= SHOWN_CHARS:
                    break
                name = key if isinstance(key, str) else json.dumps(key)  # 1 → "1", as JSON does
                emit((", " if index else "") + _scalar(name))
                emit(": ")
                write(child, depth + 1)
            emit("}")
        elif isinstance(item, _CONTAINERS):
            emit("[")
            for index, child in enumerate(item):
                if size >= SHOWN_CHARS:
                    break
                emit(", " if index else "")
                write(child, depth + 1)
            emit("]")
        else:
            emit(_scalar(item))

    write(value, 0)
    return "".join(pieces)[:SHOWN_CHARS]


def _is_key(key: Any) -> bool:
    return key is None or isinstance(key, (str, int, float))  # JSON's own rule (skipkeys)


def _scalar(value: Any) -> str:
    if isinstance(value, str):
        # Cut before encoding: a 25 MB text would be encoded whole only to be cut after.
        return json.dumps(value[:SHOWN_CHARS], ensure_ascii=False)
    if value is None or isinstance(value, (int, float)):
        return json.dumps(value)
    return "null"  # a method, an undefined name: not data
