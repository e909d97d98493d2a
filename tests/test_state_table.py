"""State tables: validation, and a table player behaving as its table says."""

import pytest
from scripted import Scripted

from powergame import Game, ParameterError, StateTable, StateTablePlayer, play_match


class OutForTat(StateTablePlayer):
    """Cooperate; leave after the partner's D (one state)."""

    name = "Table Out-for-Tat"

    def __init__(self) -> None:
        self.table = StateTable.deterministic(
            cooperate=[True], stake=[1.0], leave=[[0, 1, 0, 1]], next_state=[[0, 0, 0, 0]]
        )
        super().__init__()


class TableTitForTat(StateTablePlayer):
    """State 0 cooperates, state 1 withholds; the state is the partner's last action."""

    name = "Table TFT"

    def __init__(self) -> None:
        self.table = StateTable.deterministic(
            cooperate=[True, False],
            stake=[1.0, 0.5],
            leave=[[0, 0, 0, 0], [0, 0, 0, 0]],
            next_state=[[0, 1, 0, 1], [0, 1, 0, 1]],
        )
        super().__init__()


def test_table_player_follows_its_table():
    result = play_match(Game(rounds=6), TableTitForTat(), Scripted("CDDCCD"), seed=0)
    assert result.actions_a == "CCDDCC"
    assert result.stakes_a == (1.0, 1.0, 0.5, 0.5, 1.0, 1.0)
    assert result.censored


def test_table_exit_after_partner_withholds():
    result = play_match(Game(rounds=6), OutForTat(), Scripted("CCD"), seed=0)
    assert result.exit_round == 3 and result.left_by == "A"
    assert OutForTat().state_table().is_deterministic


def test_stochastic_transition_is_drawn_from_the_distribution():
    # From state 0 after any outcome: state 1 with probability 1/2; state 1 withholds and stays there.
    table = StateTable(
        cooperate=(1.0, 0.0),
        stake=(1.0, 1.0),
        leave=((0, 0, 0, 0), (0, 0, 0, 0)),
        transition=(((0.5, 0.5),) * 4, ((0.0, 1.0),) * 4),
    )

    class Drifter(StateTablePlayer):
        name = "Drifter"

        def __init__(self) -> None:
            self.table = table
            super().__init__()

    assert not table.is_deterministic
    switch_rounds = []
    for seed in range(200):
        actions = play_match(Game(rounds=30), Drifter(), Scripted("C"), seed=seed).actions_a
        assert actions == "C" * actions.find("D") + "D" * (30 - actions.find("D")) or "D" not in actions
        switch_rounds.append(actions.find("D"))
    # geometric with p = 1/2 starting after round 1: mean of the first D's index is 2
    assert 1.6 < sum(switch_rounds) / len(switch_rounds) < 2.4


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"cooperate": (1.2,)}, "cooperate[0]"),
        ({"stake": (0.0,)}, "stake[0]"),
        ({"leave": ((0, 0, 2, 0),)}, "leave[0][2]"),
        ({"transition": (((0.5,),) * 4,)}, "transition[0][0]"),
        ({"initial_state": 3}, "initial_state"),
    ],
)
def test_bad_tables_are_rejected_naming_the_entry(kwargs, name):
    fields = {
        "cooperate": (1.0,),
        "stake": (1.0,),
        "leave": ((0, 0, 0, 0),),
        "transition": (((1.0,),) * 4,),
    }
    fields.update(kwargs)
    with pytest.raises(ParameterError) as info:
        StateTable(**fields)
    assert str(info.value).startswith(name)
