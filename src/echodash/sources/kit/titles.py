"""Title builders filed by the event type they read: one registry per sender, one way to file."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from echodash.events import EventDraft

R = TypeVar("R")
Builder = Callable[[R], "EventDraft | list[EventDraft]"]
B = TypeVar("B", bound=Callable[..., Any])


class TitleBook(Generic[R]):
    """A sender's title builders by name: `@book.builds("push", "create")` files a builder
    under event names; `find(reader.keys())` gives the most specific one filed."""

    def __init__(self) -> None:
        self._builders: dict[str, Builder[R]] = {}
        # The line for a type without a builder of its own (the sender's generic line).
        self.fallback: Builder[R] | None = None

    @classmethod
    def merged(cls, *books: TitleBook[R]) -> TitleBook[R]:
        """One book of the builders of several (a large sender's titles_*.py files)."""
        merged: TitleBook[R] = cls()
        for book in books:
            for name, builder in book._builders.items():
                merged.builds(name)(builder)
            merged.fallback = merged.fallback or book.fallback
        return merged

    def builds(self, *names: str) -> Callable[[Builder[R]], Builder[R]]:
        """File the decorated builder under `names` (a name filed twice is a mistake)."""

        def register(builder: Builder[R]) -> Builder[R]:
            for name in names:
                if name in self._builders:
                    raise ValueError(f"a title builder for {name!r} is filed already")
                self._builders[name] = builder
            return builder

        return register

    def otherwise(self, builder: B) -> B:
        """File the decorated builder as the line for types without a builder."""
        if self.fallback is not None:
            raise ValueError("a fallback title builder is filed already")
        self.fallback = builder
        return builder

    def find(self, keys: Iterable[str]) -> Builder[R] | None:
        for key in keys:
            found = self._builders.get(key)
            if found is not None:
                return found
        return None

    def __contains__(self, name: object) -> bool:
        return name in self._builders

    def __getitem__(self, name: str) -> Builder[R]:
        return self._builders[name]

    def replaced(self, name: str, builder: Builder[R]) -> TitleBook[R]:
        """A copy of the book with `name` built by `builder` (for trying a builder out)."""
        copy: TitleBook[R] = type(self)()
        copy._builders = {**self._builders, name: builder}
        copy.fallback = self.fallback
        return copy

    def names(self) -> list[str]:
        """Every name a builder is filed under (what docs and tests check against)."""
        return sorted(self._builders)
