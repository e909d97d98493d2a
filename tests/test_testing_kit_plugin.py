"""The pytest plugin, run in a throwaway pytest session (pytester)."""

from __future__ import annotations

pytest_plugins = ["pytester"]

STRATEGIES = """
from powergame import C, D, Player

CLAIMS = {"family": "neutral", "memory_depth": 1, "stochastic": False,
          "can_leave": False, "uses_outside_options": False}

class Copycat(Player):
    name = "Copycat"
    classifier = CLAIMS
    def strategy(self, opponent):
        return opponent.history[-1] if opponent.history else C

class Walker(Copycat):
    name = "Walker"
    def leave(self, opponent):
        return opponent.history[-1] is D
"""


def test_battery_fixture_passes_an_honest_and_fails_a_mislabelled_strategy(pytester):
    pytester.makepyfile(strategies_under_test=STRATEGIES)
    pytester.makepyfile(
        test_mine="""
        from strategies_under_test import Copycat, Walker

        def test_copycat(powergame_battery):
            powergame_battery(Copycat)

        def test_walker(powergame_battery):
            powergame_battery(Walker)
        """
    )
    result = pytester.runpytest("-p", "no:cacheprovider")
    result.assert_outcomes(passed=1, failed=1)
    result.stdout.fnmatch_lines(["*'Walker' fails 1 property*", "*claim: can_leave = False*"])


def test_thorough_option_is_registered(pytester):
    pytester.makepyfile(
        test_opt="""
        def test_flag(request, powergame_battery):
            assert request.config.getoption("--powergame-thorough") is True
        """
    )
    result = pytester.runpytest("--powergame-thorough", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
