"""Case 1: a match that is not printed whole is streamed. The engine keeps running figures
instead of the transcript (play_match_figures), histories keep only the rounds strategies
declare they read, and the figures are the transcript's, figure for figure."""

from __future__ import annotations

import itertools
import json
import pickle
import tracemalloc

import pytest
from helpers import cli, one_error_line
from hypothesis import given, settings
from hypothesis import strategies as st

from powergame import C, D, Game, Player
from powergame import engine as engine_module
from powergame.cli.match import HEAD_ROUNDS, TAIL_ROUNDS, render_match
from powergame.engine import play_match, play_match_figures, window_depth
from powergame.errors import StrategyError
from powergame.history_window import HistoryWindow, MemoryDepthError
from powergame.player import HistoryWriteError, UnitStakes, classifier
from powergame.record import ENGINE_COLUMNS
from powergame.registry import load_registry
from powergame.testing.strategies import games, registered_players
from powergame.work import GB, match_estimate

REGISTRY = load_registry(env=False)
NAMES = [entry.name for entry in REGISTRY.entries()]
GAMES = [
    Game(rounds=60, noise=0.1, outside_options=(2.0, 0.5), exit_costs=(0.5, 0.0)),
    Game(rounds=None, continuation=0.97, noise=0.05, outside_options=(1.0, 2.5)),
]


def assert_same_figures(streamed: dict, kept: dict) -> None:
    """The same columns, the same values: counts, flags and names exactly, sums up to the
    rounding of adding them a block at a time (exact on CPython 3.11, whose sum() adds left
    to right; later versions compensate within each sum)."""
    assert tuple(streamed) == tuple(kept) == ENGINE_COLUMNS
    for key, value in kept.items():
        if isinstance(value, float):
            assert streamed[key] == pytest.approx(value, rel=1e-12, abs=1e-12), key
        else:
            assert streamed[key] == value, key


@pytest.mark.parametrize("game", GAMES)
def test_the_streamed_figures_are_the_transcripts_for_every_pair_of_the_library(monkeypatch, game):
    monkeypatch.setattr(engine_module, "FIGURES_BLOCK", 7)  # many folds a match, one cut mid-block
    for name_a, name_b in itertools.product(NAMES, NAMES):
        for seed in (1, 2):
            full = play_match(game, REGISTRY.create(name_a), REGISTRY.create(name_b), seed)
            streamed = play_match_figures(game, REGISTRY.create(name_a), REGISTRY.create(name_b), seed)
            assert_same_figures(streamed.summary(), full.summary())


@settings(max_examples=60, deadline=None)
@given(
    game=games(1, 60),
    player_a=registered_players(),
    player_b=registered_players(),
    seed=st.integers(0, 2**32),
    block=st.integers(1, 9),
)
def test_any_game_streamed_in_any_blocks_has_the_transcripts_figures(game, player_a, player_b, seed, block):
    kept = play_match(game, player_a, player_b, seed).summary()
    saved = engine_module.FIGURES_BLOCK
    engine_module.FIGURES_BLOCK = block
    try:
        streamed = play_match_figures(game, player_a, player_b, seed).summary()
    finally:
        engine_module.FIGURES_BLOCK = saved
    assert_same_figures(streamed, kept)


def test_a_long_streamed_match_holds_constant_memory():
    """Two memory-one strategies: the engine's record and the histories stay the same size
    whatever the length (kept, the transcript of 20,000 rounds takes about 1.7 MB)."""
    peaks = []
    for rounds in (5_000, 20_000):
        game = Game(rounds=rounds, noise=0.05, outside_options=(2.0, 1.0))
        voice, m1 = REGISTRY.create("Voice"), REGISTRY.create("M1")
        assert window_depth(voice, m1) == 1
        tracemalloc.start()
        try:
            figures = play_match_figures(game, voice, m1, seed=3)
            _, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()
        assert figures.rounds_together == rounds and figures.power_shifts > 0
        assert len(voice.history) == rounds and len(voice.history.items) <= 1
        peaks.append(peak)
    assert max(peaks) < 500_000
    assert peaks[1] - peaks[0] < 20_000  # four times the rounds, no more memory


def test_the_cli_shows_the_same_transcript_streamed_as_kept():
    """The rounds shown (the first and last ten, or all of a short match) and the outcome
    read the same from figures as from the whole transcript."""
    pairs = [("Raise The Stakes", "Out For Tat"), ("Voice", "M1"), ("Threatener", "Reciprocal Stakes")]
    for (name_a, name_b), rounds in itertools.product(pairs, (3, 20, 21, 22, 300)):
        game = Game(rounds=rounds, noise=0.1, outside_options=(2.0, 0.5), exit_costs=(0.0, 1.0))
        full = play_match(game, REGISTRY.create(name_a), REGISTRY.create(name_b), seed=5)
        streamed = play_match_figures(
            game,
            REGISTRY.create(name_a),
            REGISTRY.create(name_b),
            seed=5,
            head=HEAD_ROUNDS,
            tail=TAIL_ROUNDS + 1,
        )
        assert render_match(streamed) == render_match(full), (name_a, name_b, rounds)


def test_match_prints_what_it_printed_and_the_summary_alone_on_request(monkeypatch, capsys):
    args = ["Raise The Stakes", "Voice", "--rounds", "300", "--noise", "0.1", "--seed", "4"]
    code, out, _ = cli(monkeypatch, capsys, "match", *args)
    game = Game(rounds=300, noise=0.1)
    full = play_match(game, REGISTRY.create("Raise The Stakes"), REGISTRY.create("Voice"), seed=4)
    assert code == 0 and out == render_match(full) + "\n"
    code, out, _ = cli(monkeypatch, capsys, "match", *args, "--summary", "--json")
    data = json.loads(out)
    assert code == 0 and "rounds" not in data
    assert_same_figures({key: data[key] for key in ENGINE_COLUMNS}, full.summary())
    code, out, _ = cli(monkeypatch, capsys, "match", *args, "--summary")
    assert code == 0 and "Outcome" in out and "round  A" not in out
    code, _, err = cli(monkeypatch, capsys, "match", *args, "--summary", "--full")
    assert code == 2 and "--full" in one_error_line(err)


# --- what strategies see: windows and unit stakes ----------------------------------------------
class ReadsTooFarBack(Player):
    """Declares a memory of one round and reads three back."""

    name = "Reads Too Far Back"
    classifier = classifier("neutral", 1)

    def strategy(self, opponent: Player) -> object:
        return opponent.history[-3] if len(opponent.history) >= 3 else C


class Alternates(Player):
    name = "Alternates"
    classifier = classifier("neutral", 0)

    def strategy(self, opponent: Player) -> object:
        return C if len(self.history) % 2 == 0 else D


def test_a_strategy_reading_past_its_declared_memory_is_stopped_by_name_when_streamed():
    game = Game(rounds=10)
    play_match(game, ReadsTooFarBack(), Alternates(), seed=0)  # the transcript keeps every round
    with pytest.raises(StrategyError, match=r"Reads Too Far Back.*round 4: read round 1 of 3.*memory_depth"):
        play_match_figures(game, ReadsTooFarBack(), Alternates(), seed=0)


def test_the_window_is_the_deeper_memory_of_the_two_and_at_least_one_round():
    assert window_depth(Alternates(), Alternates()) == 1  # depth 0: the last round still held
    assert window_depth(Alternates(), REGISTRY.create("Tit For Tat With Exit Threat")) == 3
    assert window_depth(Alternates(), REGISTRY.create("Raise The Stakes")) is None  # inf: all rounds
    unclassified = Alternates()
    unclassified.classifier = "?"  # type: ignore[assignment]
    assert window_depth(unclassified, Alternates()) is None


def test_a_window_reads_like_a_history_within_its_depth():
    window = HistoryWindow(2)
    window.items.extend([C, D, D, C, C])
    window.stakes.items.extend([1.0, 0.5, 0.5, 0.2, 0.3])  # type: ignore[union-attr]
    window.forget()
    assert len(window) == 5 and bool(window) and window.dropped == 3
    assert window[-1] is C and window[4] is C and window[3] is C and window[-2:] == [C, C]
    assert window.stakes[-1] == 0.3 and len(window.stakes) == 5
    for too_old in (
        lambda w: w[2],
        lambda w: w[-3],
        lambda w: w[1:],
        lambda w: list(w),
        lambda w: w.count(C),
    ):
        with pytest.raises(MemoryDepthError):
            too_old(window)
    with pytest.raises(IndexError):
        window[5]
    for change in (lambda w: w.append(C), lambda w: w.__setitem__(0, D), lambda w: w.stakes.append(1.0)):
        with pytest.raises(HistoryWriteError):
            change(window)
    copy = pickle.loads(pickle.dumps(window))
    assert len(copy) == 5 and copy[-2:] == [C, C] and copy.stakes[-1] == 0.3
    empty = HistoryWindow(0)
    assert not empty and len(empty) == 0 and list(empty) == []


def test_unit_stakes_read_as_a_list_of_ones():
    window = HistoryWindow(3)
    window.items.extend([C, D, C])
    stakes = UnitStakes(window)
    assert len(stakes) == 3 and stakes[-1] == 1.0 and stakes[0] == 1.0 and stakes[1:] == [1.0, 1.0]
    assert list(stakes) == [1.0, 1.0, 1.0] and stakes == [1.0] * 3 and stakes.count(1.0) == 3
    with pytest.raises(IndexError):
        stakes[3]
    with pytest.raises(HistoryWriteError):
        stakes.append(1.0)
    assert list(pickle.loads(pickle.dumps(stakes))) == [1.0, 1.0, 1.0]


def test_players_see_the_same_histories_with_or_without_stakes():
    """A strategy reading stakes where nobody sets one sees 1.0 for every round."""
    seen: list[tuple[int, float, float]] = []

    class ReadsStakes(Player):
        name = "Reads Stakes"

        def strategy(self, opponent: Player) -> object:
            if self.history:
                seen.append(
                    (len(opponent.history.stakes), self.history.stakes[-1], opponent.history.stakes[0])
                )
            return C

    result = play_match(Game(rounds=4), ReadsStakes(), Alternates(), seed=0)
    assert seen == [(1, 1.0, 1.0), (2, 1.0, 1.0), (3, 1.0, 1.0)]
    assert result.stakes_a == result.stakes_b == (1.0,) * 4 and result.mean_stake == 1.0


# --- the estimate ---------------------------------------------------------------------------------
def test_a_streamed_match_is_bounded_by_work_alone_when_its_histories_are_windowed():
    game = Game(rounds=10**9)
    kept = match_estimate(game)
    windowed = match_estimate(game, streamed=True, history_depth=1)
    whole = match_estimate(game, streamed=True, history_depth=None)
    assert kept.memory_bytes >= 10**9 * 8  # at least a pointer a round for each partner
    assert windowed.memory_bytes < 0.01 * GB  # constant: nothing per round
    assert (
        windowed.memory_bytes == match_estimate(Game(rounds=10), streamed=True, history_depth=1).memory_bytes
    )
    assert whole.memory_bytes >= 10**9 * 16  # both histories, every round


def test_match_refuses_a_long_match_whose_histories_would_not_fit(monkeypatch, capsys):
    # Raise The Stakes declares no memory depth: its histories are kept whole
    code, _, err = cli(
        monkeypatch,
        capsys,
        "match",
        "Raise The Stakes",
        "Voice",
        "--rounds",
        "200000000",
        "--max-work",
        "1e9",
    )
    line = one_error_line(err)
    assert code == 2 and "--max-memory" in line and "--max-work" not in line
