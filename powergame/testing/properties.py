"""The property battery: each claim a strategy makes about itself, checked by search.

Every ``check_*`` function takes a strategy class (or any factory returning a fresh
Player) and a Profile, searches histories and games with hypothesis, and raises an
AssertionError whose message is a readable transcript of the smallest counterexample
found. A claim the classifier does not make (say ``can_leave = True`` for
``check_can_leave``) is not checked: the function returns at once. docs/testing.md
defines each claim precisely.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from powergame.actions import Action
from powergame.game import Game
from powergame.player import check_classifier
from powergame.testing.harness import Factory, Run, Script, drive
from powergame.testing.profiles import QUICK, Profile
from powergame.testing.strategies import games_for_script, script_pairs, scripts, stakes
from powergame.testing.transcript import counterexample

seeds = st.integers(0, 2**32)
roles = st.sampled_from([0, 1])


def classifier_of(factory: Factory) -> dict[str, Any]:
    """The classifier of a fresh instance (wrappers may set it per instance)."""
    player = factory()
    classifier = getattr(player, "classifier", None)
    problem = check_classifier(classifier)
    if problem:
        raise AssertionError(f"{getattr(player, 'name', factory)!r}: {problem}")
    assert isinstance(classifier, dict)
    return classifier


def _scenarios(
    profile: Profile, forced: bool | None = None
) -> st.SearchStrategy[tuple[Game, int, int, Script]]:
    """(game, role, seed, script): a forced own history needs a game with noise."""

    @st.composite
    def build(draw: Any) -> tuple[Game, int, int, Script]:
        script = draw(scripts(1, profile.max_rounds, forced=forced))
        noisy = script.own_actions is not None
        game = draw(games_for_script(len(script), noise=True if noisy else None))
        return game, draw(roles), draw(seeds), script

    return build()


def _search(profile: Profile, strategy: st.SearchStrategy[Any], test: Callable[[Any], None]) -> None:
    profile.settings()(given(strategy)(test))()


def _problems(factory: Factory, profile: Profile, kinds: tuple[str, ...], claim: str) -> None:
    def test(scenario: tuple[Game, int, int, Script]) -> None:
        run = drive(factory, *scenario)
        for d in run.decisions:
            if d.problem_kind in kinds:
                raise AssertionError(counterexample(claim, f"round {d.round}: {d.problem}", ("", run)))

    _search(profile, _scenarios(profile), test)


def check_valid_decisions(factory: Factory, profile: Profile = QUICK) -> None:
    """stake(), strategy() and leave() never raise; strategy() returns C or D and leave()
    a bool, against any scripted partner in any game."""
    classifier_of(factory)
    _problems(factory, profile, ("raised", "invalid"), "decisions never raise and return C/D and True/False")


def check_stakes(factory: Factory, profile: Profile = QUICK) -> None:
    """Every stake offered is a number in (0, 1]."""
    classifier_of(factory)
    _problems(factory, profile, ("bad-stake",), "every stake offered is a number in (0, 1]")


def check_no_mutation(factory: Factory, profile: Profile = QUICK) -> None:
    """No decision changes the partner (its history, stakes or any attribute)."""
    classifier_of(factory)
    _problems(factory, profile, ("mutated",), "decisions never change the partner")


def check_can_leave(factory: Factory, profile: Profile = QUICK) -> None:
    """``can_leave = False``: leave() never returns True, whatever the history and game."""
    if classifier_of(factory)["can_leave"]:
        return

    def test(scenario: tuple[Game, int, int, Script]) -> None:
        run = drive(factory, *scenario)
        if run.left:
            t = run.decisions[-1].round
            raise AssertionError(
                counterexample(
                    "can_leave = False", f"leave() returned True after round {t}", ("", run), mark_round=t
                )
            )

    _search(profile, _scenarios(profile), test)


def _window_agrees(first: Run, second: Run, start: int, end: int) -> bool:
    """Rounds start..end (inclusive, from 1) left the same histories in both runs."""
    for t in range(max(1, start), end + 1):
        key = first.round_key(t)
        if key is None or key != second.round_key(t):
            return False
    return True


def _first_difference(first: Run, second: Run, depth: float) -> tuple[int, str] | None:
    """The first decision that differs although the last ``depth`` rounds before it agree
    (``depth`` = inf: the whole history must agree)."""
    for t in range(1, min(len(first.decisions), len(second.decisions)) + 1):
        a, b = first.decisions[t - 1], second.decisions[t - 1]
        if a.problem or b.problem:
            return None
        start = 1 if depth == float("inf") else t - int(depth)
        if _window_agrees(first, second, start, t - 1):
            if a.stake != b.stake:
                return t, f"stake {a.stake!r} vs {b.stake!r} in round {t}"
            if a.action is not b.action:
                return t, f"action {a.action} vs {b.action} in round {t}"
        if a.played is None or b.played is None:
            return None
        leave_start = 1 if depth == float("inf") else t - int(depth) + 1
        if _window_agrees(first, second, leave_start, t) and a.leave != b.leave:
            return t, f"leave {a.leave} vs {b.leave} after round {t}"
        if a.leave or b.leave:
            return None
    return None


def check_memory_depth(factory: Factory, profile: Profile = QUICK) -> None:
    """``memory_depth = k`` (finite): two histories of the same length whose last k rounds
    agree (actions and stakes of both partners) give the same stake, action and leave
    decisions; a stochastic strategy's generator is reseeded identically before each
    decision of both runs, so earlier draws do not shift later ones."""
    claims = classifier_of(factory)
    depth, stochastic = claims["memory_depth"], bool(claims["stochastic"])
    if depth == float("inf"):
        return

    @st.composite
    def pairs(draw: Any) -> tuple[Game, int, int, Script, Script, int]:
        first, second, common = draw(script_pairs(int(depth), profile.max_rounds))
        game = draw(games_for_script(len(first), noise=True))
        return game, draw(roles), draw(seeds), first, second, common

    def test(case: tuple[Game, int, int, Script, Script, int]) -> None:
        game, role, seed, first, second, common = case
        run1 = drive(factory, game, role, seed, first, reseed_each_decision=stochastic)
        run2 = drive(factory, game, role, seed, second, reseed_each_decision=stochastic)
        found = _first_difference(run1, run2, depth)
        if found:
            t, what = found
            raise AssertionError(
                counterexample(
                    f"memory_depth = {depth}: decisions depend only on the last {depth} rounds",
                    f"{what}; the two histories agree in their last {common} rounds before it",
                    ("history 1: ", run1),
                    ("history 2: ", run2),
                    mark_round=t,
                )
            )

    _search(profile, pairs(), test)


def check_deterministic(factory: Factory, profile: Profile = QUICK) -> None:
    """``stochastic = False``: the same history gives the same decisions whatever the seed."""
    if classifier_of(factory)["stochastic"]:
        return

    def test(case: tuple[tuple[Game, int, int, Script], int]) -> None:
        (game, role, seed, script), other_seed = case
        if other_seed == seed:
            other_seed = seed + 1
        run1 = drive(factory, game, role, seed, script)
        run2 = drive(factory, game, role, other_seed, script)
        found = _first_difference(run1, run2, float("inf"))
        if found:
            t, what = found
            raise AssertionError(
                counterexample(
                    "stochastic = False: the same history gives the same decisions whatever the seed",
                    what,
                    ("first run: ", run1),
                    ("second run: ", run2),
                    mark_round=t,
                )
            )

    _search(profile, st.tuples(_scenarios(profile, forced=True), seeds), test)


def check_trust_building(factory: Factory, profile: Profile = QUICK) -> None:
    """``family = trust-building``: (1) against a partner that never withheld (noise-free
    game, any stakes) it withholds only before its own first cooperation; (2) in the round
    right after the partner withheld it never offers a higher stake than in that round."""
    if classifier_of(factory)["family"] != "trust-building":
        return

    @st.composite
    def faithful(draw: Any) -> tuple[Game, int, int, Script]:
        n = draw(st.integers(1, profile.max_rounds))
        script = Script((Action.C,) * n, tuple(draw(st.lists(stakes, min_size=n, max_size=n))))
        return draw(games_for_script(n, noise=False)), draw(roles), draw(seeds), script

    def probation_only(scenario: tuple[Game, int, int, Script]) -> None:
        run = drive(factory, *scenario)
        cooperated = False
        for d in run.decisions:
            if d.problem:
                return
            if d.action is Action.D and cooperated:
                raise AssertionError(
                    counterexample(
                        "trust-building (1): against a partner that never withheld, withhold only "
                        "before the first own cooperation",
                        f"withheld in round {d.round} after cooperating earlier",
                        ("", run),
                        mark_round=d.round,
                    )
                )
            cooperated = cooperated or d.action is Action.C

    def no_raise_after_withholding(scenario: tuple[Game, int, int, Script]) -> None:
        run = drive(factory, *scenario)
        for before, after in zip(run.decisions, run.decisions[1:]):
            if after.problem or before.problem:
                return
            if before.partner_action is Action.D and after.stake > before.stake:
                raise AssertionError(
                    counterexample(
                        "trust-building (2): never raise the stake right after the partner withheld",
                        f"partner withheld in round {before.round}; stake rose from {before.stake:g} "
                        f"to {after.stake:g} in round {after.round}",
                        ("", run),
                        mark_round=after.round,
                    )
                )

    _search(profile, faithful(), probation_only)
    _search(profile, _scenarios(profile), no_raise_after_withholding)


def withholding_games(rounds: int) -> list[Game]:
    """The fixed set of the withholding claim: symmetric default, then outside options
    2 and 0 both ways (the strategy is less, then more dependent than its partner)."""
    return [
        Game(rounds=rounds),
        Game(rounds=rounds, outside_options=(2.0, 0.0)),
        Game(rounds=rounds, outside_options=(0.0, 2.0)),
    ]


def check_withholding(factory: Factory, profile: Profile = QUICK) -> None:
    """``family = withholding``: against an unconditional cooperator (always C, stake 1,
    never leaves; no noise) it withholds in some round of at least one game of
    ``withholding_games``, playing as A (as B in the swapped game)."""
    classifier = classifier_of(factory)
    if classifier["family"] != "withholding":
        return
    n = profile.withholding_rounds
    cooperator = Script((Action.C,) * n, (1.0,) * n)
    seed_count = profile.withholding_seeds if classifier["stochastic"] else 1
    first: Run | None = None
    for game in withholding_games(n):
        for role in (0, 1):
            played = game if role == 0 else game.swapped()
            for seed in range(seed_count):
                run = drive(factory, played, role, seed, cooperator, probe=False)
                if any(d.action is Action.D for d in run.decisions):
                    return
                first = first or run
    assert first is not None
    tried = len(withholding_games(n)) * 2 * seed_count
    raise AssertionError(
        counterexample(
            "withholding: withholds against an unconditional cooperator in at least one standard game",
            f"never withheld in {tried} matches (3 games x 2 roles x {seed_count} seeds); the first:",
            ("", first),
        )
    )


def check_family(factory: Factory, profile: Profile = QUICK) -> None:
    """The claim of the strategy's family (neutral makes none)."""
    check_trust_building(factory, profile)
    check_withholding(factory, profile)


@dataclass(frozen=True)
class Property:
    """One row of the battery: its name, its check, and when the classifier makes the claim."""

    name: str
    check: Callable[[Factory, Profile], None]
    applies: Callable[[dict[str, Any]], bool]


PROPERTIES: tuple[Property, ...] = (
    Property("valid", check_valid_decisions, lambda c: True),
    Property("stakes", check_stakes, lambda c: True),
    Property("no-mutation", check_no_mutation, lambda c: True),
    Property("can_leave", check_can_leave, lambda c: not c["can_leave"]),
    Property("memory_depth", check_memory_depth, lambda c: c["memory_depth"] != float("inf")),
    Property("deterministic", check_deterministic, lambda c: not c["stochastic"]),
    Property("family", check_family, lambda c: c["family"] != "neutral"),
)
