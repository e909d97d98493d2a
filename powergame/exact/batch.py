"""``ExactBatch``: the expected outcomes of many pairs, column by column."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from powergame import power, record
from powergame.exact.curves import _CurveGroup
from powergame.exact.result import ExactResult
from powergame.game import Game

# The figures solved per pair: the record's played figures an exact result holds (but its
# horizon, the game's, and ``censored``, 1 - P(someone left)), and who leaves how often.
FIGURES: tuple[str, ...] = (
    *(
        name
        for name in record.PLAYED_FIGURES
        if name in record.EXACT_ENGINE_COLUMNS and name not in ("horizon", "censored")
    ),
    *record.LEAVING_COLUMNS,
)


@dataclass(frozen=True)
class ExactBatch:
    """Expected outcomes of many pairs, column by column (entry i is pair i).

    Every array in ``figures`` has one entry per pair, with the meaning of the
    ``ExactResult`` field of the same name; ``survival[i, :survival_length[i]]`` is pair
    i's curve P(T > t), t = 0, 1, ... (zero beyond its length).

    Survival curves are built when first asked for (``survival_curve``, ``survival``,
    ``result``): the figures do not need them, and for single-path chains they cost more
    than everything else together."""

    game: Game
    player_a: tuple[str, ...]
    player_b: tuple[str, ...]
    figures: dict[str, np.ndarray]
    curve_groups: tuple[_CurveGroup, ...] = ()  # where each pair's survival curve comes from

    def __len__(self) -> int:
        return len(self.player_a)

    # --- the figures, one array each (the fields of ExactResult of the same name) ---------
    @property
    def rounds_together(self) -> np.ndarray:
        return self.figures["rounds_together"]

    @property
    def p_left_a(self) -> np.ndarray:
        return self.figures["p_left_a"]

    @property
    def p_left_b(self) -> np.ndarray:
        return self.figures["p_left_b"]

    @property
    def p_left_both(self) -> np.ndarray:
        return self.figures["p_left_both"]

    @property
    def total_a(self) -> np.ndarray:
        return self.figures["total_a"]

    @property
    def total_b(self) -> np.ndarray:
        return self.figures["total_b"]

    @property
    def score_a(self) -> np.ndarray:
        return self.figures["score_a"]

    @property
    def score_b(self) -> np.ndarray:
        return self.figures["score_b"]

    @property
    def cooperation_a(self) -> np.ndarray:
        return self.figures["cooperation_a"]

    @property
    def cooperation_b(self) -> np.ndarray:
        return self.figures["cooperation_b"]

    @property
    def mutual_cooperation(self) -> np.ndarray:
        return self.figures["mutual_cooperation"]

    @property
    def mean_stake(self) -> np.ndarray:
        return self.figures["mean_stake"]

    @property
    def realized_dependence_a(self) -> np.ndarray:
        return self.figures["realized_dependence_a"]

    @property
    def realized_dependence_b(self) -> np.ndarray:
        return self.figures["realized_dependence_b"]

    @property
    def p_censored(self) -> np.ndarray:
        """P(nobody leaves before the horizon)."""
        return 1.0 - self.p_left_a - self.p_left_b - self.p_left_both

    @cached_property
    def survival(self) -> np.ndarray:
        """Every pair's curve, (pairs, longest curve), zero beyond each curve's length."""
        built = [(group.ids, *group.curves()) for group in self.curve_groups]
        if len(built) == 1 and len(built[0][0]) == len(self):  # one group in pair order: no copy
            return built[0][1]
        survival = np.zeros((len(self), max((curve.shape[1] for _, curve, _ in built), default=0)))
        for ids, curve, _ in built:
            survival[ids, : curve.shape[1]] = curve
        return survival

    @cached_property
    def survival_length(self) -> np.ndarray:
        """Each pair's curve length, (pairs,)."""
        lengths = np.zeros(len(self), dtype=np.intp)
        for group in self.curve_groups:
            lengths[group.ids] = group.curves()[1]
        return lengths

    @cached_property
    def _curve_place(self) -> tuple[np.ndarray, np.ndarray]:
        """For each pair, its group in ``curve_groups`` and its row in that group."""
        group_of = np.zeros(len(self), dtype=np.intp)
        row_of = np.zeros(len(self), dtype=np.intp)
        for number, group in enumerate(self.curve_groups):
            group_of[group.ids] = number
            row_of[group.ids] = np.arange(len(group.ids))
        return group_of, row_of

    def survival_curve(self, index: int) -> np.ndarray:
        """Pair ``index``'s survival curve P(T > t), t = 0, 1, ... (building its group's
        curves on the first call)."""
        if "survival" in self.__dict__:
            return self.survival[index, : self.survival_length[index]]
        if len(self.curve_groups) == 1 and len(self.curve_groups[0].ids) == len(self):
            curve, lengths = self.curve_groups[0].curves()
            return curve[index, : lengths[index]]
        group_of, row_of = self._curve_place
        curve, lengths = self.curve_groups[group_of[index]].curves()
        row = row_of[index]
        return curve[row, : lengths[row]]

    def result(self, index: int) -> ExactResult:
        """Pair ``index`` as an ``ExactResult`` (what ``exact_match`` returns for it)."""
        values = {name: float(self.figures[name][index]) for name in FIGURES}
        values["p_censored"] = 1.0 - values["p_left_a"] - values["p_left_b"] - values["p_left_both"]
        return ExactResult(
            player_a=self.player_a[index],
            player_b=self.player_b[index],
            game=self.game,
            expected_horizon=self.game.expected_horizon,
            survival=tuple(self.survival_curve(index).tolist()),
            **values,
        )

    def results(self) -> list[ExactResult]:
        return [self.result(i) for i in range(len(self))]

    def rows(self) -> Iterator[dict[str, Any]]:
        """The ``ExactResult.summary()`` dict of every pair, in order."""
        game = self.game
        constant = {
            "seed": None,
            "horizon": game.expected_horizon,
            "left_by": None,
            "exit_round": None,
            "structural_dependence_a": power.structural_dependence(game, 0),
            "structural_dependence_b": power.structural_dependence(game, 1),
            "power_index": power.power_index(game),
            "least_interest": power.least_interest_partner(game),
            "power_shifts": None,
            "power_share_a": None,
            "power_share_b": None,
        }
        columns = {name: self.figures[name].tolist() for name in FIGURES}
        censored = self.p_censored.tolist()
        for i in range(len(self)):
            row: dict[str, Any] = {"player_a": self.player_a[i], "player_b": self.player_b[i]}
            row.update(constant)
            row.update({name: values[i] for name, values in columns.items()})
            row["censored"] = censored[i]
            yield row
