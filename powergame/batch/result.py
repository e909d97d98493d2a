"""The batch engine's result: per-match figures as arrays, and their rows."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from powergame import power, record
from powergame.errors import ParameterError
from powergame.game import Game

LEFT_BY_CODES: tuple[str | None, ...] = (None, "A", "B", "both")  # index = code in BatchResult.left_by


@dataclass(frozen=True)
class BatchResult:
    """Per-match figures of a batch, one numpy array entry per seed (in seed order).

    ``left_by`` holds codes into ``LEFT_BY_CODES`` (0 nobody, 1 A, 2 B, 3 both) and
    ``exit_round`` is 0 where nobody left. ``actions_a``/``actions_b`` (played actions,
    after noise) are only kept when asked for.
    """

    game: Game
    seeds: tuple[int, ...]
    horizon: np.ndarray
    rounds_together: np.ndarray
    left_by: np.ndarray
    exit_round: np.ndarray
    total_a: np.ndarray
    total_b: np.ndarray
    score_a: np.ndarray
    score_b: np.ndarray
    cooperation_a: np.ndarray
    cooperation_b: np.ndarray
    mutual_cooperation: np.ndarray
    mean_stake: np.ndarray
    realized_dependence_a: np.ndarray
    realized_dependence_b: np.ndarray
    power_shifts: np.ndarray
    power_share_a: np.ndarray
    power_share_b: np.ndarray
    actions_a: tuple[str, ...] | None = None
    actions_b: tuple[str, ...] | None = None

    def __len__(self) -> int:
        return len(self.seeds)

    @property
    def censored(self) -> np.ndarray:
        """Nobody left (the relationship reached the horizon)."""
        return self.left_by == 0

    def slice(self, start: int, stop: int) -> BatchResult:
        """The matches ``start`` to ``stop`` (exclusive) as a BatchResult of their own."""
        fields = {name: getattr(self, name)[start:stop] for name in _ARRAY_FIELDS}
        actions: dict[str, Any] = {"actions_a": None, "actions_b": None}
        if self.actions_a is not None and self.actions_b is not None:
            actions = {"actions_a": self.actions_a[start:stop], "actions_b": self.actions_b[start:stop]}
        return BatchResult(game=self.game, seeds=self.seeds[start:stop], **fields, **actions)

    def repeated(self, counts: np.ndarray, seeds: tuple[int, ...]) -> BatchResult:
        """Match i repeated ``counts[i]`` times, with ``seeds`` (one per resulting match)."""
        index = np.repeat(np.arange(len(counts)), counts)
        fields = {name: getattr(self, name)[index] for name in _ARRAY_FIELDS}
        actions: dict[str, Any] = {"actions_a": None, "actions_b": None}
        if self.actions_a is not None and self.actions_b is not None:
            actions = {
                "actions_a": tuple(self.actions_a[i] for i in index.tolist()),
                "actions_b": tuple(self.actions_b[i] for i in index.tolist()),
            }
        return BatchResult(game=self.game, seeds=seeds, **fields, **actions)

    @staticmethod
    def concatenate(game: Game, parts: Sequence[BatchResult], keep_actions: bool) -> BatchResult:
        """The matches of ``parts``, one after the other."""
        parts = [part for part in parts if len(part)]  # an empty part's arrays have no dtype to keep
        seeds = tuple(seed for part in parts for seed in part.seeds)
        return _result_of_parts(game, seeds, parts, keep_actions)

    def rows(self, player_a: str, player_b: str, with_actions: bool = False) -> list[dict[str, Any]]:
        """One dict per match with the keys and values of ``MatchResult.summary()``
        (plus ``actions_a``/``actions_b`` when ``with_actions`` and they were kept)."""
        if with_actions and self.actions_a is None:
            raise ParameterError("with_actions", True, "needs play_batch(..., keep_actions=True)")
        game = self.game
        constants = {
            "structural_dependence_a": power.structural_dependence(game, 0),
            "structural_dependence_b": power.structural_dependence(game, 1),
            "power_index": power.power_index(game),
            "least_interest": power.least_interest_partner(game),
        }
        columns = {name: getattr(self, name).tolist() for name in _ARRAY_FIELDS}
        rows = []
        for i, seed in enumerate(self.seeds):
            code = columns["left_by"][i]
            row: dict[str, Any] = {
                "player_a": player_a,
                "player_b": player_b,
                "seed": seed,
                "horizon": columns["horizon"][i],
                "rounds_together": columns["rounds_together"][i],
                "left_by": LEFT_BY_CODES[code],
                "exit_round": columns["exit_round"][i] or None,
                "censored": code == 0,
                "total_a": columns["total_a"][i],
                "total_b": columns["total_b"][i],
                "score_a": columns["score_a"][i],
                "score_b": columns["score_b"][i],
                "cooperation_a": columns["cooperation_a"][i],
                "cooperation_b": columns["cooperation_b"][i],
                "mutual_cooperation": columns["mutual_cooperation"][i],
                "mean_stake": columns["mean_stake"][i],
                "structural_dependence_a": constants["structural_dependence_a"],
                "structural_dependence_b": constants["structural_dependence_b"],
                "power_index": constants["power_index"],
                "least_interest": constants["least_interest"],
                "realized_dependence_a": columns["realized_dependence_a"][i],
                "realized_dependence_b": columns["realized_dependence_b"][i],
                "power_shifts": columns["power_shifts"][i],
                "power_share_a": columns["power_share_a"][i],
                "power_share_b": columns["power_share_b"][i],
            }
            if with_actions:
                assert self.actions_a is not None and self.actions_b is not None
                row["actions_a"] = self.actions_a[i]
                row["actions_b"] = self.actions_b[i]
            rows.append(row)
        return rows


def _result_of_parts(
    game: Game, seeds: tuple[int, ...], parts: Sequence[Any], keep_actions: bool
) -> BatchResult:
    """One BatchResult from consecutive parts (figure dicts or BatchResults) of its matches."""

    def field(part: Any, name: str) -> Any:
        return part[name] if isinstance(part, dict) else getattr(part, name)

    fields: dict[str, Any] = {}
    for name in _ARRAY_FIELDS:
        pieces = [field(part, name) for part in parts]
        fields[name] = np.concatenate(pieces) if pieces else np.zeros(0)
    actions: dict[str, Any] = {"actions_a": None, "actions_b": None}
    if keep_actions:
        actions = {key: tuple(s for part in parts for s in field(part, key)) for key in actions}
    return BatchResult(game=game, seeds=seeds, **fields, **actions)


# The per-match arrays of a BatchResult: the record's played figures but ``censored`` (a
# property: ``left_by == 0``).
_ARRAY_FIELDS = tuple(name for name in record.PLAYED_FIGURES if name != "censored")
