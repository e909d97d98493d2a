"""Estimating the work of a match or a tournament before playing it, and refusing work
beyond a limit.

The estimate is rough but safe: the expected number of rounds (matches x E[n]) and the
memory the results will take (a row per match plus the transcript of its rounds, as the
per-match table and its pandas copy hold them; for a single match streamed without its
transcript, a constant plus the histories its players read). Limits default to ``DEFAULT_MAX_WORK``
expected rounds and ``DEFAULT_MAX_MEMORY_GB`` gigabytes; a caller passes higher ones to
run bigger work on purpose (the CLI's ``--max-work`` and ``--max-memory``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from powergame.errors import ParameterError, WorkLimitError
from powergame.game import Game

DEFAULT_MAX_WORK = 1e9  # expected rounds
DEFAULT_MAX_MEMORY_GB = 4.0
# Bytes the results of one match take in memory (the per-match row, its pandas copy and
# the summary tables), and per round of its stored transcript.
BYTES_PER_MATCH_ROW = 2000.0
BYTES_PER_STORED_ROUND = 4.0
# Bytes per round the Python engine holds while playing one match (histories, payoffs,
# the result's tuples), and more per round when the whole transcript is printed.
BYTES_PER_PLAYED_ROUND = 250.0
BYTES_PER_PRINTED_ROUND = 1200.0
# Bytes per round the two players' histories hold when they are kept whole (each round's
# actions, and offers when a stake varies: list slots of 8 bytes, with the lists' spare room).
BYTES_PER_HISTORY_ROUND = 40.0
# What a match played without its transcript holds whatever its length (a block of rounds
# of ``powergame.engine.FIGURES_BLOCK``, the running figures, the rounds it shows).
STREAMED_MATCH_BYTES = 2e6
# Bytes per round of an exact pairing's series (its survival curve and round distributions).
BYTES_PER_SERIES_ROUND = 48.0
GB = 1e9


@dataclass(frozen=True)
class WorkEstimate:
    """``matches`` of ``rounds_per_match`` expected rounds each, whose results take about
    ``memory_bytes``; ``what`` names the work in messages ("this tournament")."""

    what: str
    matches: int
    rounds_per_match: float
    memory_bytes: float
    exact: bool = False  # pairings solved exactly (the rounds are those of their series)

    @property
    def rounds(self) -> float:
        """Expected rounds in all."""
        return self.matches * self.rounds_per_match

    def describe(self) -> str:
        """``about 2e+11 rounds (1,000,000 matches x 200,000 expected rounds) and 800 GB``."""
        if self.exact:
            unit = "pairing" if self.matches == 1 else "pairings"
            per = "rounds of series solved exactly"
        else:
            unit = "match" if self.matches == 1 else "matches"
            per = "expected rounds"
        return (
            f"about {_number(self.rounds)} rounds ({self.matches:,} {unit} x "
            f"{_number(self.rounds_per_match)} {per}) and {_size(self.memory_bytes)} of memory"
        )


def match_estimate(
    game: Game, printed: bool = False, *, streamed: bool = False, history_depth: int | None = None
) -> WorkEstimate:
    """The work of one match played by the Python engine: its transcript kept
    (``play_match``; ``printed``: every round is shown too), or ``streamed`` into running
    figures (``play_match_figures``), whose memory is a constant plus the histories the
    players read: ``history_depth`` rounds when both declare a memory depth
    (``powergame.engine.window_depth``), every round when it is None."""
    rounds = game.expected_horizon
    if streamed:
        held = rounds if history_depth is None else min(rounds, float(history_depth))
        return WorkEstimate("this match", 1, rounds, STREAMED_MATCH_BYTES + BYTES_PER_HISTORY_ROUND * held)
    per_round = BYTES_PER_PLAYED_ROUND + (BYTES_PER_PRINTED_ROUND if printed else 0.0)
    return WorkEstimate("this match", 1, rounds, rounds * per_round)


def tournament_estimate(game: Game, matches: int, exact: bool = False) -> WorkEstimate:
    """The work of ``matches`` matches of ``game``. In exact mode ``matches`` pairings are
    solved once each: the work per pairing is the length of its per-round series (the
    survival curve, and under a continuation probability the E[total / n] series, which
    runs until w^t is negligible: about 30 / (1 - w) rounds)."""
    rounds = game.expected_horizon
    if exact:
        length = exact_series_length(game)
        return WorkEstimate(
            "this tournament",
            matches,
            length,
            matches * (BYTES_PER_MATCH_ROW + BYTES_PER_SERIES_ROUND * length),
            exact=True,
        )
    memory = matches * (BYTES_PER_MATCH_ROW + BYTES_PER_STORED_ROUND * rounds)
    return WorkEstimate("this tournament", matches, rounds, memory)


def exact_series_length(game: Game) -> float:
    """Rounds of the per-round series an exact solution computes (``powergame.exact``)."""
    from powergame.exact import MAX_SURVIVAL_LENGTH, SERIES_TOLERANCE

    if game.continuation is None:
        return float(min(game.expected_horizon, MAX_SURVIVAL_LENGTH))
    if game.continuation == 0.0:
        return 1.0
    return max(1.0, math.ceil(math.log(SERIES_TOLERANCE) / math.log(game.continuation)))


def check_limit(name: str, value: float | None, default: float) -> float:
    """A limit as given (None: the default): a positive number, else ParameterError."""
    if value is None:
        return default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 or math.isnan(value):
        raise ParameterError(name, value, "must be a number > 0")
    return float(value)


def check_work(
    estimate: WorkEstimate, max_work: float | None = None, max_memory_gb: float | None = None
) -> None:
    """WorkLimitError (one line: the estimate, the limit and the override) when the
    estimate exceeds ``max_work`` rounds or ``max_memory_gb`` gigabytes."""
    work_limit = check_limit("--max-work", max_work, DEFAULT_MAX_WORK)
    memory_limit = check_limit("--max-memory", max_memory_gb, DEFAULT_MAX_MEMORY_GB)
    over = []
    override = []
    if estimate.rounds > work_limit:
        over.append(f"{_number(work_limit)} rounds (--max-work)")
        override.append(f"--max-work {_round_up(estimate.rounds):g}")
    if estimate.memory_bytes > memory_limit * GB:
        over.append(f"{_size(memory_limit * GB)} of memory (--max-memory, in GB)")
        override.append(f"--max-memory {_round_up(estimate.memory_bytes / GB):g}")
    if over:
        raise WorkLimitError(
            f"{estimate.what} needs {estimate.describe()}, over the limit of {' and '.join(over)}; "
            f"make it smaller, or pass {' '.join(override)} to run it anyway"
        )


def _round_up(value: float) -> float:
    """One significant digit, rounded up: 123456 -> 200000."""
    if not math.isfinite(value) or value <= 0:
        return value
    scale = 10 ** math.floor(math.log10(value))
    return math.ceil(value / scale) * scale


def _number(value: float) -> str:
    if not math.isfinite(value):
        return "inf"
    if value < 1e6 and float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:.3g}"


def _size(memory_bytes: float) -> str:
    if memory_bytes >= GB:
        return f"{memory_bytes / GB:.3g} GB"
    return f"{memory_bytes / 1e6:.3g} MB"
