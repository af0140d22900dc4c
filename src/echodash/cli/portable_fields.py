"""Reading an export line by line: each value typed and in range, or the line named."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import IO, Any, TypeVar

import orjson

from echodash.cli import portable_limits as limits

T = TypeVar("T")


class InvalidLine(Exception):
    """One line of the file is not what the format says."""

    def __init__(self, number: int | None, problem: str) -> None:
        super().__init__(problem if number is None else f"line {number}: {problem}")


def read_lines(handle: IO[bytes]) -> Iterator[tuple[int, dict[str, Any]]]:
    """(line number, JSON object) for every non-blank line, from the top."""
    handle.seek(0)
    for number, raw in enumerate(handle, 1):
        if not raw.strip():
            continue
        try:
            document = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            raise InvalidLine(number, f"not valid JSON ({exc.msg} at column {exc.colno})") from None
        if not isinstance(document, dict):
            raise InvalidLine(number, "not a JSON object")
        yield number, document


class Fields:
    """Checked access to one line's fields: a missing, mistyped or out-of-range one names
    the line and the field (`line 7: the delivery's `duplicates` must be …`)."""

    def __init__(self, number: int, document: dict[str, Any], what: str | None = None) -> None:
        self.number = number
        self._doc = document
        self.what = what or str(document.get("type"))

    def refuse(self, problem: str) -> InvalidLine:
        """The error for this line, to raise: `problem` follows "the <line's kind>'s"."""
        return InvalidLine(self.number, f"the {self.what}'s {problem}")

    def only(self, *keys: str) -> None:
        """Refuse fields the format does not have (a file edited, or of another version)."""
        unknown = sorted(set(self._doc) - set(keys))
        if unknown:
            raise InvalidLine(
                self.number,
                f"the {self.what} has an unknown field `{unknown[0][:40]}` (its fields are: "
                f"{', '.join(keys)})",
            )

    def check(self, key: str, check: Callable[[Any], T], optional: bool = False) -> T | None:
        """The field checked by `check` (None when optional and null)."""
        if key not in self._doc:
            raise InvalidLine(self.number, f"the {self.what} has no `{key}`")
        value = self._doc[key]
        if value is None and optional:
            return None
        try:
            return check(value)
        except ValueError as exc:
            raise self.refuse(f"`{key}` {exc}{' (or null)' if optional else ''}") from None

    def absent(self, key: str) -> bool:
        """Whether the line leaves `key` out (a field later versions added)."""
        return key not in self._doc

    def required(self, key: str, check: Callable[[Any], T]) -> T:
        value = self.check(key, check)
        assert value is not None
        return value

    def text(self, key: str, limit: int) -> str:
        return self.required(key, lambda v: limits.text(v, limit))

    def opt_text(self, key: str, limit: int) -> str | None:
        return self.check(key, lambda v: limits.text(v, limit), optional=True)

    def integer(self, key: str, lo: int, hi: int) -> int:
        return self.required(key, lambda v: limits.whole_number(v, lo, hi))

    def ident(self, key: str) -> int:
        """An id of the exporting store."""
        return self.integer(key, 1, limits.MAX_ID)

    def opt_ident(self, key: str) -> int | None:
        return self.check(key, lambda v: limits.whole_number(v, 1, limits.MAX_ID), optional=True)

    def flag(self, key: str) -> bool:
        return self.required(key, _flag)

    def mapping(self, key: str, limit: int = limits.MAX_ITEMS) -> dict[str, Any]:
        return self.required(key, lambda v: limits.mapping(v, limit))

    def items(self, key: str, limit: int) -> list[Any]:
        return self.required(key, lambda v: limits.items(v, limit))

    def time(self, key: str) -> datetime:
        return self.required(key, limits.moment)

    def opt_time(self, key: str) -> datetime | None:
        return self.check(key, limits.moment, optional=True)

    def nested(self, value: Any, what: str) -> Fields:
        if not isinstance(value, dict):
            raise InvalidLine(self.number, f"each {what} must be a JSON object")
        return Fields(self.number, value, f"{self.what}'s {what}")


def _flag(value: Any) -> bool:
    if not isinstance(value, bool):
        raise ValueError("must be true or false")
    return value
