"""The figures of a match played without keeping its transcript.

``RunningFigures`` folds the rounds in as they are played, a block at a time, into a
fixed number of running figures (sums, counts, the current power holder); ``MatchFigures``
is what remains at the end: every column of the match record (``summary()`` has the keys
of ``powergame.record.ENGINE_COLUMNS``) and, on request, the first and last few rounds.
Each figure is computed in the order the full transcript's is
(``powergame.result.MatchResult``): counts, flags and power holders are the same, and sums
too where ``sum`` adds left to right (CPython 3.11); where it compensates rounding within
one call, a sum taken a block at a time may differ in its last bits.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from powergame import power
from powergame.actions import Action
from powergame.game import Game
from powergame.result import MatchOutcome

C = Action.C


class RoundRecord(NamedTuple):
    """One round as the transcript shows it (the keys of ``MatchResult.to_dict()["rounds"]``)."""

    round: int
    action_a: str
    action_b: str
    intended_a: str
    intended_b: str
    stake_a: float
    stake_b: float
    payoff_a: float
    payoff_b: float
    power_holder: str


@dataclass(frozen=True)
class MatchFigures(MatchOutcome):
    """What happened in one match, as figures: the properties and ``summary()`` of
    ``MatchResult`` without the per-round tuples. ``head`` and ``tail`` hold the first
    and last rounds kept on request (``head`` and ``tail`` of ``play_match_figures``);
    ``offers_below_one`` says whether any stake offered was under 1 and ``noise_flipped``
    whether noise flipped any action."""

    player_a: str
    player_b: str
    game: Game
    seed: int
    horizon: int
    rounds_together: int
    left_by: str | None
    exit_round: int | None
    sum_payoffs: tuple[float, float]  # over the rounds together
    cooperations: tuple[int, int]
    mutual_cooperations: int
    stake_sum: float
    every_stake_one: bool
    rounds_holding_power: tuple[int, int]
    power_shifts: int
    offers_below_one: bool = False
    noise_flipped: bool = False
    head: tuple[RoundRecord, ...] = ()
    tail: tuple[RoundRecord, ...] = ()

    def _payoff_sum(self, role: int) -> float:
        return self.sum_payoffs[role]

    @property
    def cooperation_rates(self) -> tuple[float, float]:
        n = self.rounds_together
        if n == 0:
            return (0.0, 0.0)
        return (self.cooperations[0] / n, self.cooperations[1] / n)

    @property
    def mutual_cooperation_rate(self) -> float:
        n = self.rounds_together
        return self.mutual_cooperations / n if n else 0.0

    @property
    def mean_stake(self) -> float:
        n = self.rounds_together
        if n == 0:
            return 0.0
        return 1.0 if self.every_stake_one else self.stake_sum / n

    @property
    def realized_dependence(self) -> tuple[float | None, float | None]:
        n = self.rounds_together
        if n == 0:
            return (None, None)
        va, vb = self.game.outside_options
        return (self.sum_payoffs[0] / n - va, self.sum_payoffs[1] / n - vb)

    @property
    def power_shares(self) -> tuple[float, float]:
        n = self.rounds_together
        if n == 0:
            return (0.0, 0.0)
        return (self.rounds_holding_power[0] / n, self.rounds_holding_power[1] / n)

    def _power_figures(self) -> tuple[int, tuple[float, float]]:
        return self.power_shifts, self.power_shares

    def to_dict(self) -> dict[str, Any]:
        """The summary, the game and the rounds kept (first and last), JSON-ready."""
        data = self.summary()
        data["game"] = self.game.to_dict()
        data["rounds_kept"] = [record._asdict() for record in (*self.head, *self.tail)]
        return data


class RunningFigures:
    """The figures of a match so far, updated a block of rounds at a time in constant
    memory (plus the first ``head`` and the last ``tail`` rounds)."""

    def __init__(self, game: Game, head: int = 0, tail: int = 0) -> None:
        self.outside = game.outside_options
        self.rounds = 0
        self.sum_a = self.sum_b = 0.0
        self.cooperations_a = self.cooperations_b = 0
        self.mutual = 0
        self.stake_sum = 0.0
        self.every_stake_one = True
        self.holding_a = self.holding_b = 0
        self.shifts = 0
        self.holder = ""  # the last partner to hold power ("" before anyone did)
        self.offers_below_one = False
        self.noise_flipped = False
        self.head_size, self.tail_size = head, tail
        self.head: list[RoundRecord] = []
        self.tail: deque[RoundRecord] = deque(maxlen=tail)

    def add(
        self,
        actions: tuple[Sequence[Action], Sequence[Action]],
        intended: tuple[Sequence[Action], Sequence[Action]] | None,
        offers: tuple[Sequence[float], Sequence[float]],
        payoffs: tuple[Sequence[float], Sequence[float]],
    ) -> None:
        """Fold in the next block of rounds: both partners' played actions, intended
        actions (None without noise: the played ones), offered stakes and payoffs."""
        (acts_a, acts_b), (offers_a, offers_b), (pay_a, pay_b) = actions, offers, payoffs
        n = len(acts_a)
        if n == 0:
            return
        first = self.rounds
        letters_a, letters_b = _letters(acts_a), _letters(acts_b)
        self.cooperations_a += letters_a.count("C")
        self.cooperations_b += letters_b.count("C")
        both = int(letters_a.translate(_C_AS_ONE), 2) & int(letters_b.translate(_C_AS_ONE), 2)
        self.mutual += both.bit_count()
        if min(offers_a) < 1.0 or min(offers_b) < 1.0:
            self.offers_below_one = True
            self.every_stake_one = False
        # in the transcript's order: left to right from the sums so far
        self.stake_sum = sum(map(min, offers_a, offers_b), self.stake_sum)
        holders = power.power_holders(
            pay_a, pay_b, *self.outside, first_round=first + 1, sum_a=self.sum_a, sum_b=self.sum_b
        )
        self.sum_a = sum(pay_a, self.sum_a)
        self.sum_b = sum(pay_b, self.sum_b)
        self.holding_a += holders.count("A")
        self.holding_b += holders.count("B")
        self.shifts += power.count_power_shifts(self.holder + holders)
        last = holders.replace(power.TIE, "")
        if last:
            self.holder = last[-1]
        if intended is None:
            intended_a, intended_b = letters_a, letters_b
        else:
            intended_a, intended_b = _letters(intended[0]), _letters(intended[1])
            if intended_a != letters_a or intended_b != letters_b:
                self.noise_flipped = True
        self.rounds += n
        if self.head_size or self.tail_size:
            self._keep_ends(
                first, n, (letters_a, letters_b, intended_a, intended_b), offers, payoffs, holders
            )

    def _keep_ends(
        self,
        first: int,
        n: int,
        letters: tuple[str, str, str, str],
        offers: tuple[Sequence[float], Sequence[float]],
        payoffs: tuple[Sequence[float], Sequence[float]],
        holders: str,
    ) -> None:
        """Keep the block's rounds among the first ``head_size`` and last ``tail_size``."""
        in_head = range(min(n, max(0, self.head_size - first)))
        in_tail = range(max(len(in_head), n - self.tail_size), n)
        played_a, played_b, intended_a, intended_b = letters
        for i in (*in_head, *in_tail):
            record = RoundRecord(
                first + i + 1,
                played_a[i],
                played_b[i],
                intended_a[i],
                intended_b[i],
                offers[0][i],
                offers[1][i],
                payoffs[0][i],
                payoffs[1][i],
                holders[i],
            )
            (self.head if first + i < self.head_size else self.tail).append(record)

    def result(
        self,
        player_a: str,
        player_b: str,
        game: Game,
        seed: int,
        horizon: int,
        left_by: str | None,
        exit_round: int | None,
    ) -> MatchFigures:
        """The match's figures once it is over."""
        return MatchFigures(
            player_a=player_a,
            player_b=player_b,
            game=game,
            seed=seed,
            horizon=horizon,
            rounds_together=self.rounds,
            left_by=left_by,
            exit_round=exit_round,
            sum_payoffs=(float(self.sum_a), float(self.sum_b)),
            cooperations=(self.cooperations_a, self.cooperations_b),
            mutual_cooperations=self.mutual,
            stake_sum=float(self.stake_sum),
            every_stake_one=self.every_stake_one,
            rounds_holding_power=(self.holding_a, self.holding_b),
            power_shifts=self.shifts,
            offers_below_one=self.offers_below_one,
            noise_flipped=self.noise_flipped,
            head=tuple(self.head),
            tail=tuple(self.tail),
        )


_C_AS_ONE = str.maketrans("CD", "10")


def _letters(actions: Sequence[Action]) -> str:
    return "".join(["C" if a is C else "D" for a in actions])
