"""TOML tournament specs: parsing, defaults, and one clear error per bad field."""

from __future__ import annotations

from pathlib import Path

import pytest

from powergame.errors import ParameterError
from powergame.game import Game, StagePayoffs
from powergame.tournaments.spec import TournamentSpec, load_spec, spec_from_dict

SPECS = Path(__file__).resolve().parents[1] / "tournaments" / "specs"


def write(tmp_path: Path, text: str, name: str = "q.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_spec_is_read(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        """
        name = "asym"
        description = "a question"
        strategies = ["X", "Y"]
        repetitions = 3
        seed = 42
        self_play = false
        [game]
        rounds = 50
        payoffs = [[3, 0, 5, 1], [4, 0, 6, 2]]
        outside_options = [2, 1]
        exit_costs = [0.5, 0]
        noise = 0.1
        """,
    )
    spec = load_spec(path)
    assert spec.name == "asym"
    assert spec.strategies == ("X", "Y")
    assert (spec.repetitions, spec.seed, spec.self_play) == (3, 42, False)
    assert spec.game.payoffs == (StagePayoffs(3, 0, 5, 1), StagePayoffs(4, 0, 6, 2))
    assert spec.game.outside_options == (2.0, 1.0)
    assert spec.game.exit_costs == (0.5, 0.0)
    assert spec.game.rounds == 50 and spec.game.noise == 0.1


def test_defaults_and_name_from_file(tmp_path: Path) -> None:
    spec = load_spec(write(tmp_path, 'strategies = ["X"]\n', name="my_question.toml"))
    assert spec.name == "my_question"
    assert (spec.repetitions, spec.seed, spec.self_play) == (1, 0, True)
    assert spec.game == Game()


def test_single_payoff_row_applies_to_both_and_continuation_drops_rounds(tmp_path: Path) -> None:
    spec = load_spec(
        write(tmp_path, 'strategies = ["X"]\n[game]\ncontinuation = 0.9\npayoffs = [4, 0, 7, 1]\n')
    )
    assert spec.game.payoffs == (StagePayoffs(4, 0, 7, 1),) * 2
    assert spec.game.rounds is None and spec.game.continuation == 0.9


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ('strategies = ["X"]\nrepetitons = 2\n', ["q.toml", "repetitons", "did you mean 'repetitions'"]),
        (
            'strategies = ["X"]\n[game]\noutside = [1, 2]\n',
            ["q.toml", "game.outside", "game.'outside_options'"],
        ),
        ('strategies = ["X"]\nrepetitions = 0\n', ["q.toml: repetitions", ">= 1"]),
        ('strategies = ["X"]\nseed = -3\n', ["q.toml: seed", "-3"]),
        ('strategies = ["X"]\nself_play = "yes"\n', ["q.toml: self_play", "true or false"]),
        ("strategies = []\n", ["q.toml: strategies", "at least one"]),
        ('strategies = ["X", "X"]\n', ["q.toml: strategies", "only once"]),
        ('strategies = "X"\n', ["q.toml: strategies", "list"]),
        ("repetitions = 2\n", ["q.toml: strategies", "required"]),
        ('strategies = ["X"]\nself_play = false\n', ["two or more"]),
        ('strategies = ["X"]\n[game]\nnoise = 2\n', ["q.toml: game.noise", "[0, 1]"]),
        ('strategies = ["X"]\n[game]\noutside_options = [1, 2, 3]\n', ["game.outside_options", "[A, B]"]),
        ('strategies = ["X"]\n[game]\npayoffs = [3, 0, 5]\n', ["game.payoffs", "[R, S, T, P]"]),
        ('strategies = ["X"]\n[game]\nrounds = 10\ncontinuation = 0.5\n', ["game.rounds", "not both"]),
        ('strategies = ["X"]\n[game]\nexit_costs = [-1, 0]\n', ["exit cost A", ">= 0"]),
        ('strategies = ["X"\n', ["q.toml", "valid TOML"]),
    ],
)
def test_bad_fields_name_file_key_and_allowed(tmp_path: Path, text: str, fragments: list[str]) -> None:
    with pytest.raises(ParameterError) as caught:
        load_spec(write(tmp_path, text))
    message = str(caught.value)
    assert "\n" not in message
    for fragment in fragments:
        assert fragment in message


def test_missing_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ParameterError, match="existing TOML file"):
        load_spec(tmp_path / "nope.toml")


def test_round_trip_and_fingerprint() -> None:
    spec = TournamentSpec(
        name="t",
        strategies=("A", "B"),
        game=Game(outside_options=(2, 1), continuation=0.9, rounds=None),
        repetitions=2,
        seed=7,
        description="x",
    )
    again = spec_from_dict(spec.to_dict())
    assert again == spec
    assert again.fingerprint() == spec.fingerprint()
    reworded = spec_from_dict({**spec.to_dict(), "description": "other words"})
    assert reworded.fingerprint() == spec.fingerprint()
    assert spec.with_seed(8).fingerprint() != spec.fingerprint()


@pytest.mark.parametrize(
    "path",
    sorted(p for p in SPECS.glob("*.toml") if not p.stem.startswith("population")),
    ids=lambda p: p.name,
)
def test_bundled_specs_load_and_say_what_they_ask(path: Path) -> None:
    spec = load_spec(path)
    assert spec.name == path.stem
    assert spec.description
    assert path.read_text(encoding="utf-8").startswith("# Question")


def test_the_four_bundled_questions_exist() -> None:
    names = {p.stem for p in SPECS.glob("*.toml")}
    assert {"default", "loyalty_voice_exit", "stakes", "axelrod_basic"} <= names


def test_a_bad_strategy_name_in_a_spec_file_names_the_file_and_the_entry(tmp_path):
    from powergame.tournaments.round_robin import run_tournament
    from powergame.tournaments.spec import load_spec

    path = tmp_path / "mine.toml"
    path.write_text('strategies = ["Loyal", "Voicee"]\n[game]\nrounds = 3\n', encoding="utf-8")
    with pytest.raises(ParameterError) as info:
        run_tournament(load_spec(path))
    assert str(info.value).startswith("mine.toml: strategies[1] = 'Voicee' is not allowed: no strategy")
    assert "did you mean 'Voice'?" in str(info.value)


def test_a_spec_saved_with_a_byte_order_mark_loads(tmp_path):
    from powergame.tournaments.spec import load_spec

    path = tmp_path / "bom.toml"
    path.write_bytes(b"\xef\xbb\xbfstrategies = ['Loyal', 'Voice']\n")
    assert load_spec(path).strategies == ("Loyal", "Voice")
