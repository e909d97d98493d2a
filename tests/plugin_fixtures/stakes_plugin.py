"""A strategy that stakes half of the relationship every round."""

from powergame import C, Player


class HalfStake(Player):
    """Cooperates and offers stake 0.5."""

    name = "Fixture Half Stake"
    classifier = {
        "family": "trust-building",
        "memory_depth": 0,
        "stochastic": False,
        "can_leave": False,
        "uses_outside_options": False,
    }

    def strategy(self, opponent):
        return C

    def stake(self, opponent):
        return 0.5
