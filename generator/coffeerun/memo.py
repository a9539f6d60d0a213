"""Every process-wide memo table of coffeerun: bounded, named, and owned by one registry (MEMO).

A worker renders many campaigns in one process, so fonts, logos, layouts and compiled templates are
kept between them; each table has a fixed number of entries, so a program with thousands of accounts
stays within memory. `MEMO.sizes()` shows what each table holds, `MEMO.clear()` empties them all
(tests, a long-running `serve` after the theme changed).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Hashable
from functools import lru_cache
from typing import Any, TypeVar

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
F = TypeVar("F", bound=Callable[..., Any])


class BoundedDict(OrderedDict[K, V]):
    """A mapping that keeps its `size` most recently used entries."""

    def __init__(self, size: int):
        super().__init__()
        self.size = size

    def get(self, key: K, default: Any = None) -> Any:
        try:
            self.move_to_end(key)  # one C call finds the entry and marks it most recent
        except KeyError:
            return default
        return self[key]

    def __setitem__(self, key: K, value: V) -> None:
        super().__setitem__(key, value)
        self.move_to_end(key)
        while len(self) > self.size:
            self.popitem(last=False)


class Memo:
    """The registry: each table by name with its bound."""

    def __init__(self) -> None:
        self._functions: dict[str, Any] = {}
        self._mappings: dict[str, BoundedDict[Any, Any]] = {}

    def _name(self, name: str) -> str:
        if name in self._functions or name in self._mappings:
            raise ValueError(f"memo table {name!r} is already registered")
        return name

    def table(self, name: str, size: int) -> Callable[[F], F]:
        """Decorator: the function's results kept for its `size` most recent arguments (functools'
        C lru_cache, so a hit costs what it did before the registry)."""
        if size is None or size < 1:
            raise ValueError(f"memo table {name!r} needs a bound of at least 1")

        def wrap(function: F) -> F:
            cached = lru_cache(maxsize=size)(function)
            self._functions[self._name(name)] = cached
            return cached  # type: ignore[return-value]

        return wrap

    def mapping(self, name: str, size: int) -> BoundedDict[Any, Any]:
        """A bounded dict for memos that are not one function's results."""
        table: BoundedDict[Any, Any] = BoundedDict(size)
        self._mappings[self._name(name)] = table
        return table

    def sizes(self) -> dict[str, tuple[int, int]]:
        """Each table's (entries held, bound), by name."""
        found = {name: (f.cache_info().currsize, f.cache_info().maxsize) for name, f in self._functions.items()}
        found.update({name: (len(t), t.size) for name, t in self._mappings.items()})
        return dict(sorted(found.items()))

    def clear(self) -> None:
        for function in self._functions.values():
            function.cache_clear()
        for table in self._mappings.values():
            table.clear()


MEMO = Memo()
table = MEMO.table
mapping = MEMO.mapping
