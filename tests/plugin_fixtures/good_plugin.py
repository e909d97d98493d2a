"""Three small strategies and one exit wrapper, found without a STRATEGIES list."""

from powergame import C, D, Player
from powergame.errors import ParameterError

_NEUTRAL = {"memory_depth": 0, "stochastic": False, "can_leave": False, "uses_outside_options": False}


class FixtureAlwaysCooperate(Player):
    """Cooperates every round and never leaves.

    A second paragraph that the registry's one-line doc leaves out."""

    name = "Fixture Always Cooperate"
    classifier = {**_NEUTRAL, "family": "trust-building"}

    def strategy(self, opponent):
        return C


class FixtureHitAndRun(Player):
    """Withholds in round 1 and leaves right after it."""

    name = "Fixture Hit-and-Run"
    classifier = {**_NEUTRAL, "family": "withholding", "can_leave": True}

    def strategy(self, opponent):
        return D

    def leave(self, opponent):
        return True


class FixtureStartSmall(Player):
    """Withholds for the first T rounds, then cooperates."""

    name = "Fixture Start Small"
    classifier = {**_NEUTRAL, "family": "trust-building", "memory_depth": float("inf")}

    def __init__(self, T: int = 2, opening: str = "D") -> None:
        super().__init__()
        if not isinstance(T, int) or T < 0:
            raise ParameterError("T", T, "must be a whole number >= 0")
        self.T = T
        self.opening = opening

    def strategy(self, opponent):
        if len(self.history) < self.T:
            return C if self.opening == "C" else D
        return C


class FixtureLeaveAfterWithholdings(Player):
    """Plays the inner strategy and leaves once the partner has withheld k times."""

    name = "Fixture Leave After Withholdings"
    is_wrapper = True
    classifier = {**_NEUTRAL, "family": "neutral", "can_leave": True, "memory_depth": float("inf")}

    def __init__(self, inner: Player, k: int = 1) -> None:
        super().__init__()
        self.inner = inner
        self.k = k
        self.classifier = {**inner.classifier, "can_leave": True}

    def join_match(self, game, role, seed):
        super().join_match(game, role, seed)
        self.inner.join_match(game, role, seed)

    def strategy(self, opponent):
        self.inner.history = self.history
        return self.inner.strategy(opponent)

    def leave(self, opponent):
        return opponent.history.count(D) >= self.k


class _Helper(Player):
    """Private: never registered."""

    name = "Fixture Private Helper"
