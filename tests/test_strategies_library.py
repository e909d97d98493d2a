"""The library as a whole: classifiers, names, the memory-one space, state tables, wrappers."""

from __future__ import annotations

import importlib.util
import pickle

import pytest
from strategy_helpers import TABLE_PARTNERS, Scripted, play, transcript
from tables import TablePlayer

from powergame import Action, Game, Player
from powergame.errors import ParameterError
from powergame.player import check_classifier
from powergame.strategies import (
    ALIASES,
    STRATEGIES,
    ExploitThenLeave,
    GenerousOutForTat,
    HitAndRun,
    HotAndCold,
    LeastInterest,
    LeaveAfterRounds,
    LeaveAfterTotalWithholdings,
    LeaveAfterWithholdings,
    LeaveBelowOutsideOption,
    Loyal,
    MemoryOne,
    OutForTat,
    Parasite,
    RaiseTheStakes,
    ReciprocalStakes,
    StartSmall,
    Threatener,
    TitForTatWithExitThreat,
    Voice,
    memory_one_codes,
    memory_one_players,
)
from powergame.strategies._common import stake_ladder

PLAIN = [cls for cls in STRATEGIES if not getattr(cls, "is_wrapper", False)]
WRAPPERS = [cls for cls in STRATEGIES if getattr(cls, "is_wrapper", False)]


def _key(name: str) -> str:
    return "".join(ch for ch in name.casefold() if ch.isalnum())


# --- names, docs, classifiers -------------------------------------------------------------
def test_library_has_every_strategy_the_issue_and_the_model_name() -> None:
    assert len(PLAIN) == 16 and len(WRAPPERS) == 4  # the 15 of the library issue and the Loner


def test_names_and_aliases_are_unique() -> None:
    keys = [_key(cls.name) for cls in STRATEGIES]
    assert len(set(keys)) == len(keys)
    alias_keys = [_key(a) for a in ALIASES]
    assert len(set(alias_keys)) == len(alias_keys)
    assert not set(alias_keys) & set(keys)


@pytest.mark.parametrize("cls", STRATEGIES, ids=lambda c: c.name)
def test_class_classifier_is_valid_and_documented(cls: type[Player]) -> None:
    assert check_classifier(cls.classifier) is None
    assert cls.__doc__ and len(cls.__doc__.split()) > 15


@pytest.mark.parametrize("cls", PLAIN, ids=lambda c: c.name)
def test_default_instance_matches_its_class(cls: type[Player]) -> None:
    player = cls()
    assert player.name == cls.name
    assert player.classifier == cls.classifier


def test_parameters_appear_in_the_instance_name() -> None:
    assert StartSmall(T=3).name == "Start Small(T=3)"
    assert StartSmall(T=1).name == "Start Small"
    assert RaiseTheStakes(step=0.2).name == "Raise The Stakes(step=0.2)"
    assert MemoryOne(code="cclcl").name == "M1(code=CCLCL)"
    assert MemoryOne(leave_dd=0.5).name == "M1(leave_dd=0.5)"


@pytest.mark.parametrize(
    ("make", "name"),
    [
        (lambda: StartSmall(T=-1), "T"),
        (lambda: StartSmall(T=1.5), "T"),
        (lambda: RaiseTheStakes(start=0), "start"),
        (lambda: RaiseTheStakes(step=-0.1), "step"),
        (lambda: GenerousOutForTat(generosity=2), "generosity"),
        (lambda: TitForTatWithExitThreat(k=0), "k"),
        (lambda: HotAndCold(cold=0), "cold"),
        (lambda: ExploitThenLeave(threshold=1.5), "threshold"),
        (lambda: ReciprocalStakes(start="high"), "start"),
        (lambda: MemoryOne(code="CCXCL"), "code"),
        (lambda: MemoryOne(code="CCLC"), "code"),
        (lambda: MemoryOne(code="LCCCC"), "code"),
        (lambda: MemoryOne(code="CCLCL", cd=0.5), "cd"),
        (lambda: MemoryOne(dd=-0.1), "dd"),
        (lambda: LeaveAfterWithholdings(Voice(), k=0), "k"),
        (lambda: LeaveBelowOutsideOption(Voice(), window=0), "window"),
        (lambda: LeaveAfterRounds("Voice"), "inner"),  # type: ignore[arg-type]
    ],
)
def test_bad_parameters_raise_a_parameter_error_naming_them(make, name: str) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ParameterError) as info:
        make()
    assert info.value.name == name


def test_stake_ladder_ends_exactly_at_one() -> None:
    assert stake_ladder(0.3, 0.3) == (0.3, 0.6, 0.9, 1.0)
    assert stake_ladder(0.1, 0.1)[-2:] == (0.9, 1.0) and len(stake_ladder(0.1, 0.1)) == 10
    assert stake_ladder(1.0, 0.5) == (1.0,)


# --- family claims, checked against an unconditional cooperator ----------------------------
def _against_cooperator(player: Player, game: Game) -> str:
    return play(player, Scripted("C"), game=game).intended_a


FAMILY_CASES = [
    *(cls() for cls in PLAIN),
    StartSmall(T=3),
    RaiseTheStakes(start=0.5),
    HotAndCold(hot=1, cold=2),
    *memory_one_players(),
]
ASYMMETRIC = Game(rounds=30, outside_options=(2.0, 0.0))


@pytest.mark.parametrize("player", FAMILY_CASES, ids=lambda p: p.name)
def test_family_claim_holds_against_an_unconditional_cooperator(player: Player) -> None:
    family = player.classifier["family"]
    seen = [_against_cooperator(player, g) for g in (Game(rounds=30), ASYMMETRIC)]
    if family == "withholding":
        assert any("D" in actions for actions in seen)
    elif family == "trust-building":
        for actions in seen:
            assert "D" not in actions.lstrip("D")  # no withholding after its first cooperation


# --- memory-one space ---------------------------------------------------------------------
def test_there_are_162_distinct_codes_that_round_trip() -> None:
    codes = memory_one_codes()
    assert len(codes) == len(set(codes)) == 2 * 3**4
    for code in codes:
        player = MemoryOne(code=code.lower())
        assert player.code == code and player.name == f"M1(code={code})"
        table = player.state_table()
        rebuilt = MemoryOne(
            first=table.cooperate[0],
            **dict(zip(("cc", "cd", "dc", "dd"), table.cooperate[1:])),
            **dict(zip(("leave_cc", "leave_cd", "leave_dc", "leave_dd"), table.leave[0])),
        )
        assert rebuilt.code == code


def test_memory_one_families_count_by_hand() -> None:
    # Against a cooperator, first move C: the CC letter must be C or L (2 of 3), the other
    # three letters are free: 2 * 27 = 54. First move D: DC must be C (else it never
    # cooperates), then CC in {C, L}, CD and DD free: 2 * 9 = 18. Trust-building: 72.
    families = [p.classifier["family"] for p in memory_one_players()]
    assert families.count("trust-building") == 72
    assert families.count("withholding") == 90


def test_memory_one_classifier_reports_randomness_and_leaving() -> None:
    assert MemoryOne(code="CCDCD").classifier["can_leave"] is False
    assert MemoryOne(code="CCLCL").classifier["can_leave"] is True
    assert MemoryOne(cd=0.5).classifier["stochastic"] is True
    # P(C) after an outcome it always leaves after is never used.
    assert MemoryOne(cd=0.5, leave_cd=1.0).classifier["stochastic"] is False


@pytest.mark.parametrize(
    ("named", "code"),
    [(OutForTat, "CCLCL"), (Loyal, "CCCCC"), (Voice, "CCDCD"), (Parasite, "DDDDD"), (HitAndRun, "DLLLL")],
)
def test_named_memory_one_strategies_play_as_their_code(named: type[Player], code: str) -> None:
    partners = [lambda: Scripted("CDDCCD"), Voice, lambda: MemoryOne(cd=0.6, dd=0.3, leave_dd=0.2)]
    for seed in range(5):
        for partner in partners:
            game = Game(rounds=25, noise=0.1)
            a = play(named(), partner(), game=game, seed=seed)
            b = play(MemoryOne(code=code), partner(), game=game, seed=seed)
            assert (a.actions_a, a.actions_b, a.exit_round, a.left_by) == (
                b.actions_a,
                b.actions_b,
                b.exit_round,
                b.left_by,
            )


# --- state tables ---------------------------------------------------------------------------
TABLED = [
    OutForTat,
    StartSmall,
    lambda: StartSmall(T=0),
    lambda: StartSmall(T=3),
    RaiseTheStakes,
    lambda: RaiseTheStakes(start=0.3, step=0.3),
    GenerousOutForTat,
    TitForTatWithExitThreat,
    lambda: TitForTatWithExitThreat(k=1),
    Parasite,
    HitAndRun,
    ExploitThenLeave,
    lambda: ExploitThenLeave(start=0.5, step=0.25, threshold=0.7),
    HotAndCold,
    Threatener,
    Loyal,
    Voice,
    MemoryOne,
    lambda: MemoryOne(code="DCLLC"),
    lambda: MemoryOne(first=0.5, cc=0.9, cd=0.2, dc=0.7, dd=0.4, leave_cd=0.3, leave_dd=0.6),
]


@pytest.mark.parametrize("make", TABLED, ids=lambda m: m().name)
def test_strategy_plays_like_its_state_table(make) -> None:  # type: ignore[no-untyped-def]
    table = make().state_table()
    assert table is not None
    for seed in range(4):
        for partner in TABLE_PARTNERS:
            game = Game(rounds=40, noise=0.1)
            native = play(make(), partner(), game=game, seed=seed)
            tabled = play(TablePlayer(table), partner(), game=game, seed=seed)
            assert transcript(native) == transcript(tabled)


def test_least_interest_table_follows_the_game() -> None:
    assert LeastInterest().state_table() is None  # the game is not known yet
    for game in (Game(rounds=20, noise=0.1), Game(rounds=20, noise=0.1, outside_options=(2.0, 0.0))):
        player = LeastInterest()
        player.join_match(game, 0, 0)
        table = player.state_table()
        assert table is not None
        native = play(LeastInterest(), Voice(), game=game, seed=3)
        tabled = play(TablePlayer(table), Voice(), game=game, seed=3)
        assert transcript(native) == transcript(tabled)


# --- wrappers -------------------------------------------------------------------------------
def test_wrapper_name_and_derived_classifier() -> None:
    wrapped = LeaveAfterWithholdings(Voice(), k=3)
    assert wrapped.name == "Voice | Leave After Withholdings(k=3)"
    assert wrapped.classifier == {
        "family": "trust-building",
        "memory_depth": 3,
        "stochastic": False,
        "can_leave": True,
        "uses_outside_options": False,
    }
    assert LeaveBelowOutsideOption(GenerousOutForTat()).classifier["stochastic"] is True
    assert LeaveBelowOutsideOption(Loyal(), window=4).classifier["uses_outside_options"] is True
    assert LeaveBelowOutsideOption(Loyal(), window=4).classifier["memory_depth"] == 4
    assert LeaveAfterTotalWithholdings(Loyal()).classifier["memory_depth"] == float("inf")
    # A fixed term may end the match before a withholder ever withholds: no family claim.
    assert LeaveAfterRounds(ExploitThenLeave()).classifier["family"] == "neutral"
    assert LeaveAfterWithholdings(Parasite()).classifier["family"] == "withholding"


def test_leave_after_withholdings_in_a_row() -> None:
    r = play(LeaveAfterWithholdings(Voice(), k=2), Scripted("CDCDDC"), rounds=10)
    assert (r.actions_a, r.exit_round, r.left_by) == ("CCDCD", 5, "A")


def test_leave_after_total_withholdings() -> None:
    r = play(LeaveAfterTotalWithholdings(Voice(), k=2), Scripted("CDCD"), rounds=10)
    assert (r.actions_a, r.exit_round, r.left_by) == ("CCDC", 4, "A")


def test_leave_below_outside_option_uses_the_window_mean() -> None:
    # v_A = 2. Loyal earns 3, 3, 0: the 2-round means are 3 (round 2), then 1.5 < 2 (round 3).
    game = Game(rounds=10, outside_options=(2.0, 0.0))
    r = play(LeaveBelowOutsideOption(Loyal(), window=2), Scripted("CCDC"), game=game)
    assert (r.actions_a, r.exit_round) == ("CCC", 3)
    # With v_A = 1 the same rounds never fall below it: 1.5 >= 1, and CC again after.
    r = play(
        LeaveBelowOutsideOption(Loyal(), window=2),
        Scripted("CCDC"),
        game=Game(rounds=10, outside_options=(1.0, 0.0)),
    )
    assert r.left_by is None


def test_leave_after_rounds_cuts_a_stateful_inner_short() -> None:
    r = play(LeaveAfterRounds(ExploitThenLeave(), rounds=5), Scripted("C"), rounds=20)
    assert (r.actions_a, r.stakes_a, r.exit_round) == ("CCCCC", (0.1, 0.2, 0.3, 0.4, 0.5), 5)


def test_wrapper_leaves_when_the_inner_player_does() -> None:
    r = play(LeaveAfterRounds(OutForTat(), rounds=10), Scripted("CD"), rounds=20)
    assert (r.exit_round, r.left_by) == (2, "A")


def test_wrappers_nest_and_share_one_history() -> None:
    inner = Voice()
    wrapped = LeaveAfterRounds(LeaveAfterWithholdings(inner, k=2), rounds=4)
    assert wrapped.name == "Voice | Leave After Withholdings(k=2) | Leave After Rounds(rounds=4)"
    r = play(wrapped, Scripted("DC"), rounds=10)
    assert (r.actions_a, r.exit_round) == ("CDCC", 4)
    assert inner.history is wrapped.history and [a.name for a in inner.history] == list("CDCC")
    r = play(wrapped, Scripted("DD"), rounds=10)  # the same object again: reset between matches
    assert (r.actions_a, r.exit_round) == ("CD", 2)


def test_wrapped_players_pickle() -> None:
    wrapped = LeaveAfterWithholdings(StartSmall(T=2), k=3)
    copy = pickle.loads(pickle.dumps(wrapped))
    assert copy.name == wrapped.name
    assert play(copy, Scripted("DDC"), rounds=5).actions_a == "DDCCC"


@pytest.mark.skipif(
    importlib.util.find_spec("powergame.axelrod_bridge") is None,
    reason="powergame.axelrod_bridge not written yet",
)
def test_wrapper_gives_an_axelrod_strategy_a_way_to_leave() -> None:
    from powergame.axelrod_bridge import AxelrodPlayer  # imports axelrod lazily (slow)

    wrapped = LeaveAfterWithholdings(AxelrodPlayer("Tit For Tat"), k=2)
    assert wrapped.name.endswith("| Leave After Withholdings(k=2)")
    assert wrapped.classifier["can_leave"] is True
    r = play(wrapped, Scripted("CDCDDC"), rounds=10)
    assert (r.actions_a, r.exit_round, r.left_by) == ("CCDCD", 5, "A")


def test_action_enum_is_what_histories_hold() -> None:
    player = Threatener()
    play(player, Scripted("C"), rounds=2)
    assert all(a is Action.D for a in player.history)
