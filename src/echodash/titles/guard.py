"""The sandboxed Jinja environment: data-only access, no globals, and limits on work and size."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice
from typing import Any

from jinja2.runtime import ChainableUndefined, Context, Undefined
from jinja2.sandbox import ImmutableSandboxedEnvironment

from echodash.titles.limits import (
    LOOP_FILTER,
    POW_BITS,
    SAFE_FILTERS,
    WALKING_FILTERS,
    WORK_LIMIT,
    Refused,
    check_join,
    check_replace,
    check_size,
    guarded,
    join_filter,
    loop_limit,
    replace_filter,
    tick,
)
from echodash.titles.output import opaque, shown, unwrapped

_INT_BITS = 4096  # big enough for any id or amount, small enough to print instantly
_STR_METHODS = frozenset(
    ("lower", "upper", "title", "capitalize", "casefold", "swapcase", "strip", "lstrip",
     "rstrip", "split", "rsplit", "splitlines", "partition", "rpartition", "startswith",
     "endswith", "find", "rfind", "count", "removeprefix", "removesuffix", "isdigit",
     "isalpha", "isalnum", "isspace", "islower", "isupper", "replace", "join", "ljust",
     "rjust", "center", "zfill")
)  # fmt: skip
_WIDTH_METHODS = frozenset(("ljust", "rjust", "center", "zfill"))
_SAFE_METHODS: dict[type, frozenset[str]] = {
    str: _STR_METHODS,
    dict: frozenset(("get", "keys", "values", "items")),
    list: frozenset(("index", "count")),
    tuple: frozenset(("index", "count")),
}


class TitleEnvironment(ImmutableSandboxedEnvironment):
    """Jinja for titles: JSON data in, plain text out, nothing else reachable."""

    intercepted_binops = frozenset(("*", "**", "%"))

    def __init__(self) -> None:
        super().__init__(autoescape=False, undefined=ChainableUndefined, finalize=shown)
        self.globals.clear()  # no range, lipsum, cycler, joiner, namespace, dict
        safe = {
            name: guarded(self.filters[name], walks=name in WALKING_FILTERS)
            for name in SAFE_FILTERS
        }
        self.filters.clear()
        self.filters.update(safe)
        self.filters["replace"] = guarded(replace_filter)
        self.filters["join"] = guarded(join_filter)
        self.filters[LOOP_FILTER] = loop_limit

    def getattr(self, obj: Any, attribute: str) -> Any:
        tick()
        # JSON keys win over dict methods, so `payload.items` is the payload's "items" key.
        if isinstance(obj, dict) and attribute in obj:
            return obj[attribute]
        return opaque(super().getattr(obj, attribute))

    def getitem(self, obj: Any, argument: Any) -> Any:
        tick()
        return opaque(super().getitem(obj, argument))  # `payload['items']` may be a method

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise Refused(f"{attribute!r} is not available in a title template.")

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        tick()
        if operator == "%" and isinstance(left, str):
            raise Refused("'%' formatting is not available; join text with '~' instead.")
        if (
            operator == "**"
            and _is_int(left)
            and _is_int(right)
            and abs(left) > 1
            and abs(left).bit_length() * right > POW_BITS
        ):
            raise Refused("the number would be too large to show.")
        if operator == "*":
            if _is_int(left) and _is_int(right):
                if abs(left).bit_length() + abs(right).bit_length() > _INT_BITS:
                    raise Refused("the number would be too large to show.")
            elif isinstance(left, (str, list, tuple)) and _is_int(right):
                _check_size_of_repeat(left, right)
            elif isinstance(right, (str, list, tuple)) and _is_int(left):
                _check_size_of_repeat(right, left)
        try:
            return check_size(super().call_binop(context, operator, left, right))
        except OverflowError:  # float powers: 9.0 ** 999
            raise Refused("the number would be too large to show.") from None

    def call(self, context: Context, obj: Any, /, *args: Any, **kwargs: Any) -> Any:
        tick()
        obj = unwrapped(obj)
        if isinstance(obj, Undefined):
            return obj  # `payload.missing.strip()` is as empty as `payload.missing`
        owner = getattr(obj, "__self__", None)
        name = getattr(obj, "__name__", "?")
        allowed = next((v for k, v in _SAFE_METHODS.items() if isinstance(owner, k)), None)
        if allowed is None or name not in allowed:
            raise Refused(f"calling {name!r} is not available in a title template.")
        if isinstance(owner, str):
            args = _checked_str_args(owner, name, args)
        return check_size(super().call(context, obj, *args, **kwargs))


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_size_of_repeat(sequence: str | list[Any] | tuple[Any, ...], times: int) -> None:
    if len(sequence) * times > WORK_LIMIT:
        raise Refused(f"a value would be longer than {WORK_LIMIT:,} characters or items.")


def _checked_str_args(text: str, name: str, args: tuple[Any, ...]) -> tuple[Any, ...]:
    """Refuse before computing: the size of these results follows from their arguments."""
    if name in _WIDTH_METHODS and args and _is_int(args[0]) and args[0] > WORK_LIMIT:
        raise Refused(f"a value would be longer than {WORK_LIMIT:,} characters or items.")
    if name == "replace" and len(args) >= 2 and isinstance(args[0], str):
        check_replace(text, args[0], str(args[1]))
    if name == "join" and args and isinstance(args[0], Iterable):
        items = list(islice(args[0], WORK_LIMIT + 1))  # a generator (`map`) has no length
        check_join(text, items)
        return (items, *args[1:])
    return args
