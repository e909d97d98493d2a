"""Case 17: the small ones (each a one-line error or a plain fix)."""

from __future__ import annotations

import pytest
from helpers import cli, one_error_line

from powergame import Game, play_match
from powergame.errors import ParameterError
from powergame.exact import exact_match
from powergame.game import StagePayoffs
from powergame.registry import load_registry
from powergame.tournaments.spec import TournamentSpec, spec_from_dict


@pytest.mark.parametrize("option", [["--outside", "1e308,-1e308"], ["--payoffs", "1e308,0,5,1"]])
def test_huge_numbers_are_refused_not_printed_as_nan_or_inf(monkeypatch, capsys, option):
    code, out, err = cli(monkeypatch, capsys, "match", "Loyal", "Parasite", *option)
    line = one_error_line(err)
    assert code == 2 and out == "" and "1e+12" in line


def test_the_largest_allowed_numbers_give_finite_figures():
    result = play_match(
        Game(rounds=3, outside_options=(1e12, -1e12), payoffs=(1e12, -1e12, 1e12, 1e12)),
        load_registry(env=False).create("Loyal"),
        load_registry(env=False).create("Parasite"),
        seed=0,
    )
    assert result.power_index == 1.0  # D_A = R - v_A = 0, D_B = 2e12: A holds all the power
    assert all(abs(x) < float("inf") for x in (*result.totals, *result.scores_per_round))


def test_a_spec_name_with_a_nul_byte_is_one_error_line(monkeypatch, capsys, tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text('name = "a\\u0000b"\nstrategies = ["Loyal"]\n', encoding="utf-8")
    code, _, err = cli(monkeypatch, capsys, "run", str(spec))
    assert code == 2 and "printable" in one_error_line(err)


def test_a_huge_value_is_not_echoed_whole():
    with pytest.raises(ParameterError) as error:
        spec_from_dict({"name": "x" * 100_000, "strategies": ["Loyal"]})
    assert len(str(error.value)) < 400 and "100,002 characters" in str(error.value)


def test_one_strategy_named_twice_with_its_default_parameter_is_refused(monkeypatch, capsys):
    code, _, err = cli(monkeypatch, capsys, "tournament", "Start Small", "Start Small(T=1)")
    assert code == 2 and "names the same strategy as 'Start Small'" in one_error_line(err)
    registry = load_registry(env=False)
    assert registry.canonical_name("Start Small(T=1)") == registry.canonical_name("start small")
    assert registry.canonical_name("Start Small(T=3)") != registry.canonical_name("Start Small")


def test_four_numbers_are_the_payoffs_of_both_partners():
    game = Game(payoffs=(3, 0, 5, 2))
    assert game.payoffs == (StagePayoffs(3, 0, 5, 2), StagePayoffs(3, 0, 5, 2))
    assert Game(payoffs=StagePayoffs(4, 0, 6, 1)).payoffs[1] == StagePayoffs(4, 0, 6, 1)
    assert TournamentSpec(name="t", strategies=("Loyal",), game=Game(payoffs=[3, 0, 5, 1])).game == Game()


def test_exact_match_without_a_state_table_names_what_is_needed():
    registry = load_registry(env=False)
    with pytest.raises(ParameterError, match="must be a StateTable"):
        exact_match(Game(), registry.create("Loyal"), registry.create("Loyal"))  # players, not tables


def test_check_counterexamples_label_runs_not_seeds():
    from mislabelled import SecretCoinFlipper

    from powergame.testing.properties import check_deterministic

    with pytest.raises(AssertionError) as error:
        check_deterministic(SecretCoinFlipper)
    text = str(error.value)
    assert "first run: " in text and "second run: " in text and "seed 1: " not in text
