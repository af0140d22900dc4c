"""Limits on the work a title template may do, and the few filters that enforce them."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from functools import wraps
from itertools import islice
from typing import Any

from jinja2 import pass_environment
from jinja2.runtime import Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from echodash.titles.output import opaque

# Any single value built while rendering (text, list) may be at most this long; the title
# itself is cut far shorter, so anything larger is a runaway, not a title.
WORK_LIMIT = 100_000
LOOP_LIMIT = 100  # items a `for` loop sees: a one-line title never needs more
LOOP_FILTER = "_echodash_loop_limit"  # added by the checker, unreachable by users ('_' names)
RENDER_SECONDS = 0.25
# Powers are capped harder: Jinja reads `9**9**9` as `(9**9)**9`, harmless but no title.
POW_BITS = 128

# A deadline for the render in progress, checked on every attribute, item, call and operator.
deadline: ContextVar[float | None] = ContextVar("echodash_title_deadline", default=None)

# Filters that cannot build huge values from small inputs (the risky ones are replaced).
SAFE_FILTERS = (
    "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "first", "float", "int",
    "items", "last", "length", "list", "lower", "map", "max", "min", "reject", "rejectattr",
    "reverse", "round", "select", "selectattr", "sort", "string", "striptags", "sum", "title",
    "tojson", "trim", "truncate", "unique", "upper", "urlencode", "wordcount",
)  # fmt: skip


# Filters that walk (and sort, compare or copy) their whole input: refused up front on an
# input whose text would pass WORK_LIMIT, since one such call runs in C to its end.
WALKING_FILTERS = frozenset(
    ("dictsort", "list", "map", "max", "min", "reject", "rejectattr", "reverse", "select",
     "selectattr", "sort", "sum", "unique", "tojson", "string", "urlencode", "wordcount")
)  # fmt: skip


class Refused(Exception):
    """Rendering stopped on purpose; the message is a sentence for the user."""


def _too_long() -> Refused:
    return Refused(f"a value would be longer than {WORK_LIMIT:,} characters or items.")


def text_size(value: Any, budget: int = WORK_LIMIT) -> int:
    """About how long `value` is as text, counted without building the text; counting stops
    once past `budget` (a list holding one huge string 10,000 times costs 10,000 steps at
    most, not the gigabyte its text would be)."""
    total = 0
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            total += len(item) + 2
        elif isinstance(item, (list, tuple, set, frozenset, dict)):
            total += 2 + 2 * len(item)
            if total > budget:
                return total
            pending.extend(item.items() if isinstance(item, dict) else item)
        else:
            total += 24  # a number, a boolean, None: short
        if total > budget:
            return total
    return total


def check_text_size(value: Any) -> Any:
    """`value`, unless its text would pass WORK_LIMIT (checked before building it)."""
    if isinstance(value, (list, tuple, set, frozenset, dict)) and text_size(value) > WORK_LIMIT:
        raise _too_long()
    return value


def tick() -> None:
    limit = deadline.get()
    if limit is not None and time.monotonic() > limit:
        raise Refused("the template takes too long to render; simplify it.")


def check_size(value: Any) -> Any:
    if isinstance(value, (str, list, tuple, dict)) and len(value) > WORK_LIMIT:
        raise Refused(f"a value would be longer than {WORK_LIMIT:,} characters or items.")
    return value


def check_replace(text: str, old: str, new: str) -> None:
    hits = len(text) + 1 if old == "" else text.count(old)
    if len(text) + hits * len(new) > WORK_LIMIT:
        raise Refused(f"a value would be longer than {WORK_LIMIT:,} characters or items.")


def check_join(separator: str, items: list[Any]) -> None:
    budget = WORK_LIMIT - len(separator) * len(items)
    if budget < 0 or text_size(items, budget) > budget:
        raise _too_long()


def guarded(filter_func: Callable[..., Any], walks: bool = False) -> Callable[..., Any]:
    """A filter that gives up on runaway results, and (`walks`) on inputs too large to walk
    (`wraps` keeps Jinja's pass_* marker, which puts the environment or context first)."""

    @wraps(filter_func)
    def guarded(*args: Any, **kwargs: Any) -> Any:
        tick()
        if walks:
            for arg in args:
                check_text_size(arg)
        # `map`, `select`… give generators, `attr` may give a method: printed as nothing.
        return opaque(check_size(filter_func(*args, **kwargs)))

    return guarded


def replace_filter(value: Any, old: Any, new: Any, count: int | None = None) -> str:
    text, old_text, new_text = str(value), str(old), str(new)
    check_replace(text, old_text, new_text)
    return text.replace(old_text, new_text, -1 if count is None else count)


@pass_environment
def join_filter(
    env: ImmutableSandboxedEnvironment, value: Any, d: Any = "", attribute: str | None = None
) -> str:
    items = list(islice(value, WORK_LIMIT + 1)) if isinstance(value, Iterable) else []
    if attribute is not None:
        for part in str(attribute).split("."):
            items = [env.getattr(item, part) for item in items]
    separator = str(d)
    check_join(separator, items)
    joined = separator.join(str(item) for item in items)
    check_size(joined)
    return joined


def loop_limit(value: Any) -> Iterator[Any]:
    if isinstance(value, Undefined) or not isinstance(value, Iterable):
        return iter(())
    return islice(value, LOOP_LIMIT)
