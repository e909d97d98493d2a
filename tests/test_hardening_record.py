"""Case 10: the engine owns the record. Strategies read histories but cannot change their
own, their partner's or the match's record; `check` flags a strategy that tries."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from powergame import C, D, Game, History, play_match
from powergame.errors import StrategyError
from powergame.player import HistoryWriteError
from powergame.registry import load_registry

FIXTURE = Path(__file__).parent / "plugin_fixtures" / "tampering_plugin.py"
TAMPERERS = [
    "Fixture Appends Own",
    "Fixture Forges Partner",
    "Fixture Replaces Partner",
    "Fixture Offers For Partner",
    "Fixture Sneaks",
]


@pytest.fixture(scope="module")
def registry():
    return load_registry([str(FIXTURE)], env=False)


@pytest.mark.parametrize("name", TAMPERERS)
@pytest.mark.parametrize("role", [0, 1])
def test_a_tampering_strategy_is_stopped_and_named(registry, name, role):
    players = [registry.create(name), registry.create("Loyal")]
    if role:
        players.reverse()
    with pytest.raises(StrategyError, match="history"):
        play_match(Game(rounds=10), players[0], players[1], seed=1)


def test_history_refuses_every_change():
    history = History()
    for change in (
        lambda h: h.append(C),
        lambda h: h.extend([C]),
        lambda h: h.insert(0, C),
        lambda h: h.__setitem__(slice(0, 0), [D]),
        lambda h: h.clear(),
        lambda h: h.stakes.append(1.0),
    ):
        with pytest.raises(HistoryWriteError):
            change(history)
    assert list(history) == [] and list(history.stakes) == []
    copy = history.copy()
    copy.append(C)  # a copy is the strategy's own to change
    assert list(history) == []


def test_a_tournament_with_a_tamperer_fails_instead_of_storing_a_wrong_record(tmp_path, monkeypatch, capsys):
    from powergame.cli import main

    monkeypatch.setattr(
        sys,
        "argv",
        [
            "powergame",
            "tournament",
            "Fixture Appends Own",
            "Loyal",
            "--rounds",
            "10",
            "--plugin",
            str(FIXTURE),
        ],
    )
    with pytest.raises(SystemExit) as exit_info:
        main()
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.count("Error:") == 1 and "Fixture Appends Own" in err and "Traceback" not in err


def test_the_partner_keeps_its_true_record():
    """Loyal's record is its own: every round a C, whatever the partner does to histories."""
    registry = load_registry([str(FIXTURE)], env=False)
    loyal, forger = registry.create("Loyal"), registry.create("Fixture Forges Partner")
    with pytest.raises(StrategyError):
        play_match(Game(rounds=5), forger, loyal, seed=0)
    assert all(action is C for action in loyal.history)


def test_check_flags_a_strategy_that_changes_a_history(monkeypatch, capsys):
    from powergame.cli import main

    monkeypatch.setattr(sys, "argv", ["powergame", "check", "Fixture Appends Own", "--plugin", str(FIXTURE)])
    monkeypatch.delenv("POWERGAME_PLUGINS", raising=False)
    with pytest.raises(SystemExit) as exit_info:
        main()
    out = capsys.readouterr().out
    assert exit_info.value.code != 0
    assert "history" in out and "0 of 1" in out


def test_a_history_pickles_with_its_actions_and_stakes():
    """Checkpoints of population runs pickle players in the middle of a relationship."""
    import pickle

    from powergame.player import History, record_round

    history = History()
    record_round(history, C, 1.0)
    record_round(history, D, 0.5)
    copy = pickle.loads(pickle.dumps(history))
    assert type(copy) is History and list(copy) == [C, D] and list(copy.stakes) == [1.0, 0.5]
    with pytest.raises(TypeError):
        copy.append(C)
