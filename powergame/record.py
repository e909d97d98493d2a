"""The match record: the columns of a per-match table, written once.

Every engine's per-match rows carry these columns (``MatchResult.summary``, the batch
engine's arrays, the exact solver's expectations); the stored Parquet schemas
(``powergame.tournaments.storage``) and the columns the analysis reads are derived from
this list. Plain data, no pyarrow: the formats layer maps the kinds to Arrow types.
"""

from __future__ import annotations

from dataclasses import dataclass

KINDS = ("int", "float", "text", "bool", "floats")


@dataclass(frozen=True)
class Column:
    """One column: its name, its kind (one of ``KINDS``) and what it means.

    ``nullable`` text may be missing (None); ``analysed`` columns are the ones the
    tournament analysis needs; ``expectation`` columns hold a float expectation in exact
    results even where a simulated match has a whole number or a flag; ``given_by`` says
    who fills it: the engine that plays the match, the tournament that schedules it, or the
    transcript (kept only on request). ``per_game`` columns are fixed by the game alone (the
    same in every match of it); ``realized`` columns exist only for a played match (null in
    an exact result)."""

    name: str
    kind: str
    meaning: str
    nullable: bool = False
    analysed: bool = False
    expectation: bool = False
    given_by: str = "engine"  # "engine" (playing the match), "tournament" or "transcript"
    per_game: bool = False
    realized: bool = False


#: One row per match, in this order. The first two are given by the tournament, not the engine.
MATCH_COLUMNS: tuple[Column, ...] = (
    Column("match_id", "int", "the match's number in its tournament", analysed=True, given_by="tournament"),
    Column("repetition", "int", "which repetition of the pairing", analysed=True, given_by="tournament"),
    Column(
        "strategy_a",
        "text",
        "the strategy in role A, as named in the spec",
        analysed=True,
        given_by="tournament",
    ),
    Column("strategy_b", "text", "the strategy in role B", analysed=True, given_by="tournament"),
    Column(
        "family_a",
        "text",
        "A's family (trust-building, withholding, neutral)",
        analysed=True,
        given_by="tournament",
    ),
    Column("family_b", "text", "B's family", analysed=True, given_by="tournament"),
    Column("player_a", "text", "A's full name (with parameters and wrappers)"),
    Column("player_b", "text", "B's full name"),
    Column("seed", "int", "the match's seed: play_match(..., seed=seed) replays it", realized=True),
    Column("horizon", "int", "the number of rounds n of the horizon", analysed=True, expectation=True),
    Column("rounds_together", "int", "rounds played before an exit", analysed=True, expectation=True),
    Column(
        "left_by",
        "text",
        "who left: A, B or both; none if nobody did",
        nullable=True,
        analysed=True,
        realized=True,
    ),
    Column("exit_round", "int", "the round after which the relationship ended", analysed=True, realized=True),
    Column("censored", "bool", "nobody left before the horizon", analysed=True, expectation=True),
    Column("total_a", "float", "A's raw total over the horizon", analysed=True),
    Column("total_b", "float", "B's raw total over the horizon", analysed=True),
    Column("score_a", "float", "A's total divided by the horizon", analysed=True),
    Column("score_b", "float", "B's total divided by the horizon", analysed=True),
    Column("cooperation_a", "float", "share of rounds together A played C", analysed=True),
    Column("cooperation_b", "float", "share of rounds together B played C", analysed=True),
    Column("mutual_cooperation", "float", "share of rounds together both played C", analysed=True),
    Column("mean_stake", "float", "mean stake of the rounds together", analysed=True),
    Column("structural_dependence_a", "float", "D_A = R_A - v_A", per_game=True),
    Column("structural_dependence_b", "float", "D_B = R_B - v_B", per_game=True),
    Column("power_index", "float", "P_A = (D_B - D_A) / (|D_A| + |D_B|)", analysed=True, per_game=True),
    Column(
        "least_interest",
        "text",
        "the partner with the smaller D, if any",
        nullable=True,
        analysed=True,
        per_game=True,
    ),
    Column("realized_dependence_a", "float", "A's mean payoff together minus v_A"),
    Column("realized_dependence_b", "float", "B's mean payoff together minus v_B"),
    Column("power_shifts", "int", "changes of power holder between rounds", analysed=True, realized=True),
    Column("power_share_a", "float", "share of rounds A held power", analysed=True, realized=True),
    Column("power_share_b", "float", "share of rounds B held power", analysed=True, realized=True),
    Column("outside_a", "float", "A's outside option v_A", given_by="tournament"),
    Column("outside_b", "float", "B's outside option v_B", given_by="tournament"),
    Column(
        "actions_a",
        "text",
        "A's played actions, one letter a round (when kept)",
        nullable=True,
        given_by="transcript",
        realized=True,
    ),
    Column(
        "actions_b",
        "text",
        "B's played actions (when kept)",
        nullable=True,
        given_by="transcript",
        realized=True,
    ),
)

#: The columns an exact run adds: who ends it how often, and the survival curve.
EXACT_COLUMNS: tuple[Column, ...] = (
    Column("exact", "bool", "the row holds expectations of the Markov chain"),
    Column("p_lasted", "float", "P(nobody leaves before the horizon)"),
    Column("p_left_a", "float", "P(only A leaves)"),
    Column("p_left_b", "float", "P(only B leaves)"),
    Column("p_left_both", "float", "P(both leave in the same round)"),
    Column("survival", "floats", "P(T > t), t = 0, 1, ... (zero beyond its end)"),
)

#: Columns given by the tournament rather than by playing the match.
ID_COLUMNS = ("match_id", "repetition")
#: What an engine gives for one match (the keys of ``MatchResult.summary``, in order).
ENGINE_COLUMNS: tuple[str, ...] = tuple(
    column.name for column in MATCH_COLUMNS if column.given_by == "engine"
)
#: What the tournament analysis reads.
ANALYSED_COLUMNS: tuple[str, ...] = tuple(column.name for column in MATCH_COLUMNS if column.analysed)
#: The engine's columns that say which match it was rather than how it went.
MATCH_KEYS = ("player_a", "player_b", "seed")
#: How one played match went: the engine's columns but its keys and the game's constants.
PLAYED_FIGURES: tuple[str, ...] = tuple(
    column.name
    for column in MATCH_COLUMNS
    if column.given_by == "engine" and not column.per_game and column.name not in MATCH_KEYS
)
#: The engine's columns an exact result holds too (expectations, the game's constants, the players).
EXACT_ENGINE_COLUMNS: tuple[str, ...] = tuple(
    column.name for column in MATCH_COLUMNS if column.given_by == "engine" and not column.realized
)
#: Who leaves how often: the probabilities of an exact result's ending.
LEAVING_COLUMNS: tuple[str, ...] = tuple(
    column.name for column in EXACT_COLUMNS if column.name.startswith("p_left_")
)


def names(columns: tuple[Column, ...]) -> tuple[str, ...]:
    """The names of ``columns``, in order."""
    return tuple(column.name for column in columns)
