"""Survival curves built on first use, a group of pairs at a time."""

from __future__ import annotations

import numpy as np

from powergame.exact.limits import SURVIVAL_FLOOR
from powergame.exact.paths import _path_curves, _Paths
from powergame.exact.walk import _PowerWalk


class _CurveGroup:
    """The survival curves of the pairs ``ids`` (curves of ``length`` rounds), built once on
    first use from given curves, from single paths, from powers of Q (fixed horizons) or
    from rows of another group's curves."""

    def __init__(
        self,
        ids: np.ndarray,
        length: int,
        *,
        curve: np.ndarray | None = None,
        paths: _Paths | None = None,
        walk: _PowerWalk | None = None,
        rows_of: tuple[_CurveGroup, np.ndarray] | None = None,
        trim: bool = False,
    ) -> None:
        self.ids = ids
        self.length = length
        self.trim = trim
        self._sources = (curve, paths, walk)
        self._rows_of = rows_of  # rows of another group's curves
        self._built: tuple[np.ndarray, np.ndarray] | None = None

    def curves(self) -> tuple[np.ndarray, np.ndarray]:
        """(len(ids), length) curves P(T > t) and each curve's length."""
        if self._built is None and self._rows_of is not None:
            group, rows = self._rows_of
            self._built = group.curves_of(rows)
            self._rows_of = None
        if self._built is None:
            curve, paths, walk = self._sources
            if curve is None:
                if paths is not None:
                    curve = _path_curves(paths, self.length)
                else:
                    assert walk is not None
                    curve = walk.survival(self.length)
            self._built = (curve, _curve_lengths(curve, self.trim))
            self._sources = (None, None, None)
        return self._built

    def curves_of(self, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``curves()`` of the pairs ``rows`` of this group (rows may repeat): single paths
        built for those rows directly when this group's own curves are not built yet."""
        paths = self._sources[1]
        if self._built is not None or paths is None:
            # given curves, or a walk's (they cost about as much as their copy): gathered
            built, lengths = self.curves()
            return built.take(rows, axis=0), lengths[rows]
        states = len(paths.state)
        offset = (np.arange(len(rows)) * states)[None, :]
        chosen = _Paths(
            paths.state[:, rows] % states + offset,
            paths.mass[:, rows],
            paths.cycle_start[rows],
            paths.cycle_length[rows],
            paths.cycle_chance[rows],
        )
        built = _path_curves(chosen, self.length)
        return built, _curve_lengths(built, self.trim)


def _curve_lengths(curve: np.ndarray, trim: bool) -> np.ndarray:
    """Full length for a fixed horizon; under continuation up to the last value above the floor."""
    count, length = curve.shape
    if not trim:
        return np.full(count, length, dtype=np.intp)
    above = curve >= SURVIVAL_FLOOR
    last = length - 1 - np.argmax(above[:, ::-1], axis=1)
    return np.where(above.any(axis=1), last + 1, 0).astype(np.intp)
