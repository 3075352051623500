"""How long work says how far it got, without knowing who shows it (a terminal bar, a log)."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TypeVar

#: ``progress(step, done, total)``: ``done`` of ``total`` units of the named step are finished
Progress = Callable[[str, int, int], None]

T = TypeVar("T")
#: report every this many items of a long loop
EVERY = 500


def silent(step: str, done: int, total: int) -> None:
    """A progress report nobody watches."""


def counted(items: Sequence[T], step: str, progress: Progress) -> Iterator[T]:
    """The items, reporting the step's progress every ``EVERY`` items and at the end."""
    total = len(items)
    progress(step, 0, total)
    for i, item in enumerate(items, 1):
        yield item
        if i % EVERY == 0 or i == total:
            progress(step, i, total)
