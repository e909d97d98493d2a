"""Small players for the core tests: scripted partners whose every decision is given."""

from __future__ import annotations

from powergame import Action, Player
from powergame.actions import actions_from_string


class Scripted(Player):
    """Plays ``actions`` (cycled), offers ``stakes`` (cycled) and leaves after round ``leave_at``."""

    name = "Scripted"
    classifier = {**Player.classifier, "memory_depth": 0, "can_leave": True}

    def __init__(self, actions: str = "C", stakes: tuple[float, ...] = (1.0,), leave_at: int | None = None):
        super().__init__()
        self.script = actions_from_string(actions)
        self.stakes_script = stakes
        self.leave_at = leave_at
        self.calls = 0

    def reset(self) -> None:
        super().reset()
        self.calls = 0

    def strategy(self, opponent: Player) -> Action:
        self.calls += 1
        return self.script[len(self.history) % len(self.script)]

    def stake(self, opponent: Player) -> float:
        return self.stakes_script[len(self.history) % len(self.stakes_script)]

    def leave(self, opponent: Player) -> bool:
        return self.leave_at is not None and len(self.history) >= self.leave_at
