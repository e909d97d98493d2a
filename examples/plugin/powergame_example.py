"""An example powergame plugin with one strategy, "example:Second Chance".

Installed with ``pip install -e examples/plugin``, it is registered through the
``powergame.strategies`` entry point declared in this folder's pyproject.toml.
"""

from powergame import Action, C, Player

NAMESPACE = "example"  # the strategy is named "example:Second Chance" ("Second Chance" also works)


class SecondChance(Player):
    """Cooperates; forgives the partner's first withholding and leaves after the second.

    Exit with one warning: between Out-for-Tat (leave after the first D) and staying
    forever (loyalty)."""

    name = "Second Chance"
    classifier = {
        "family": "trust-building",
        "memory_depth": float("inf"),  # counts every withholding so far
        "stochastic": False,
        "can_leave": True,
        "uses_outside_options": False,
    }

    def strategy(self, opponent: Player) -> Action:
        return C

    def leave(self, opponent: Player) -> bool:
        return opponent.history.defections >= 2
