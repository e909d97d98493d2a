"""Histories that keep only the last rounds: what a match streamed without its transcript
shows to strategies that declare a finite memory depth.

A ``HistoryWindow`` answers like a ``powergame.player.History`` for every read that
touches only the last ``depth`` rounds: ``len`` is the number of rounds played so far,
``history[-1]`` the last action, ``history[-k:]`` the last k, ``history[t]`` round t + 1
(absolute, as in a full history), ``history.stakes[-1]`` the last stake offered. A read
that reaches further back (an older index, iterating or counting the whole history) raises
``MemoryDepthError``: a strategy that declared ``memory_depth = k`` may not depend on
older rounds (docs/testing.md), so in a streamed match it fails by name instead of
silently seeing less. Like a history, a window is read-only; the engine adds rounds to
its list (``items``) and drops the oldest with ``forget``.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any, Generic, TypeVar, overload

from powergame.actions import Action
from powergame.player import HistoryWriteError, UnitStakes

T = TypeVar("T")


class MemoryDepthError(Exception):
    """A strategy read a round older than the memory depth its classifier declares."""


class _Window(Generic[T]):
    """The last rounds of a sequence; positions count from the first round of the match."""

    __slots__ = ("items", "dropped", "depth")

    def __init__(self, depth: int) -> None:
        self.items: list[T] = []
        self.dropped = 0  # rounds no longer held (the oldest ones)
        self.depth = depth

    def forget(self) -> None:
        """Drop every round but the last ``depth`` (the engine calls this between blocks)."""
        items = self.items
        extra = len(items) - self.depth
        if extra > 0:
            del items[:extra]
            self.dropped += extra

    def __len__(self) -> int:
        return self.dropped + len(self.items)

    def __bool__(self) -> bool:
        return bool(self.dropped or self.items)

    @overload
    def __getitem__(self, index: int) -> T: ...

    @overload
    def __getitem__(self, index: slice) -> list[T]: ...

    def __getitem__(self, index: int | slice) -> T | list[T]:
        # the common read first (one of the last ``depth`` rounds, counted from the end):
        # the held list answers it, out of range included
        if index.__class__ is int and -self.depth <= index < 0:  # type: ignore[operator]
            return self.items[index]  # type: ignore[index]
        items = self.items
        total = self.dropped + len(items)
        if isinstance(index, slice):
            positions = range(*index.indices(total))
            if positions:
                self._check_reach(min(positions[0], positions[-1]), total)
            return [items[i - self.dropped] for i in positions]
        position = index + total if index < 0 else index
        if not 0 <= position < total:
            raise IndexError(f"history index {index} out of range ({total} rounds)")
        self._check_reach(position, total)
        return items[position - self.dropped]

    def _check_reach(self, position: int, total: int) -> None:
        if position < total - self.depth:
            raise MemoryDepthError(
                f"read round {position + 1} of {total}, older than the last {self.depth} "
                f"(its declared memory_depth); a match streamed without its transcript keeps "
                f"only those: declare the depth the strategy reads (float('inf') for all)"
            )

    def _whole(self) -> list[T]:
        """Every round, for reads of the whole history (allowed while they are within depth)."""
        total = self.dropped + len(self.items)
        if total:
            self._check_reach(0, total)
        return self.items

    def __iter__(self) -> Iterator[T]:
        return iter(self._whole())

    def __reversed__(self) -> Iterator[T]:
        return reversed(self._whole())

    def __contains__(self, value: object) -> bool:
        return value in self._whole()

    def count(self, value: object) -> int:
        return self._whole().count(value)  # type: ignore[arg-type]

    def index(self, value: T) -> int:
        return self._whole().index(value)

    def copy(self) -> list[T]:
        """A plain (writable) list of every round (within depth, like any whole read)."""
        return list(self._whole())

    def _refuse(self, *args: object, **kwargs: object) -> None:
        raise HistoryWriteError("histories are read-only; the engine keeps the record")

    append = extend = insert = pop = remove = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse

    def __reduce__(self) -> tuple[Any, ...]:
        return (_rebuilt, (type(self), self.depth, self.dropped, list(self.items)))


class StakesWindow(_Window[float]):
    """The stakes one partner offered, last ``depth`` rounds."""

    __slots__ = ()


class HistoryWindow(_Window[Action]):
    """The actions one partner played, last ``depth`` rounds, and ``stakes`` likewise."""

    __slots__ = ("stakes",)

    def __init__(self, depth: int) -> None:
        super().__init__(depth)
        # a UnitStakes view in a match where neither partner sets a stake
        self.stakes: StakesWindow | UnitStakes = StakesWindow(depth)

    def forget(self) -> None:
        super().forget()
        if isinstance(self.stakes, StakesWindow):
            self.stakes.forget()

    @property
    def cooperations(self) -> int:
        """How many rounds this partner cooperated (a read of the whole history)."""
        return self.count(Action.C)

    @property
    def defections(self) -> int:
        """How many rounds this partner withheld (a read of the whole history)."""
        return self.count(Action.D)

    def __repr__(self) -> str:
        held = "".join(a.name for a in self.items)
        return f"HistoryWindow({'…' if self.dropped else ''}{held}, rounds={len(self)})"

    def __reduce__(self) -> tuple[Any, ...]:
        stakes = self.stakes
        held = (stakes.dropped, list(stakes.items)) if isinstance(stakes, StakesWindow) else None
        return (_rebuilt_history, (self.depth, self.dropped, list(self.items), held))


def _rebuilt(cls: type[_Window[Any]], depth: int, dropped: int, items: list[Any]) -> _Window[Any]:
    window = cls(depth)
    window.dropped = dropped
    window.items.extend(items)
    return window


def _rebuilt_history(
    depth: int, dropped: int, items: list[Action], stakes: tuple[int, list[float]] | None
) -> HistoryWindow:
    window = HistoryWindow(depth)
    window.dropped = dropped
    window.items.extend(items)
    if stakes is None:
        window.stakes = UnitStakes(window)
    else:
        window.stakes = StakesWindow(depth)
        window.stakes.dropped, window.stakes.items = stakes
    return window
