"""Memory-one strategies with leave: every decision depends on the last round only.

A member is given by the probability of cooperating in round 1, and for each outcome of
the last round (own action first: CC, CD, DC, DD) the probability of leaving after it and
the probability of cooperating next if it stays. The 2 * 3^4 = 162 deterministic members
have a 5-letter code: the first move (C or D), then for CC, CD, DC and DD one of C (stay,
cooperate next), D (stay, withhold next) or L (leave) — the C/D/L strategy space of
Izquierdo, Izquierdo & Vega-Redondo 2014 (J. Econ. Dyn. Control 46:91).
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

from powergame.actions import Action
from powergame.errors import ParameterError
from powergame.names import instance_name
from powergame.player import Player
from powergame.state_table import StateTable, outcome_index
from powergame.streams import LEAVE

from ._common import classifier, number_in

C, D = Action.C, Action.D
OUTCOME_NAMES = ("cc", "cd", "dc", "dd")
CODE_ALLOWED = "5 letters: the first move C or D, then C, D or L after each of CC, CD, DC, DD (e.g. CCLCL)"
_DEFAULTS: dict[str, Any] = {
    "first": 1.0,
    "cc": 1.0,
    "cd": 0.0,
    "dc": 1.0,
    "dd": 0.0,
    "leave_cc": 0.0,
    "leave_cd": 0.0,
    "leave_dc": 0.0,
    "leave_dd": 0.0,
}


def memory_one_codes() -> list[str]:
    """The 162 codes of the deterministic memory-one strategies with leave, in a fixed order
    (first move C before D, then C, D, L for CC, CD, DC, DD in turn)."""
    return [first + "".join(rest) for first in "CD" for rest in itertools.product("CDL", repeat=4)]


def memory_one_players() -> list[MemoryOne]:
    """One fresh player per code of ``memory_one_codes()``."""
    return [MemoryOne(code=code) for code in memory_one_codes()]


def parse_code(code: object) -> tuple[float, tuple[float, ...], tuple[float, ...]]:
    """A code to (P(C) in round 1, P(C) after CC, CD, DC, DD, P(leave) after them)."""
    if not isinstance(code, str) or len(code) != 5:
        raise ParameterError("code", code, CODE_ALLOWED)
    text = code.upper()
    if text[0] not in "CD" or any(ch not in "CDL" for ch in text[1:]):
        raise ParameterError("code", code, CODE_ALLOWED)
    first = 1.0 if text[0] == "C" else 0.0
    cooperate = tuple(1.0 if ch == "C" else 0.0 for ch in text[1:])
    leave = tuple(1.0 if ch == "L" else 0.0 for ch in text[1:])
    return first, cooperate, leave


def code_of(first: float, cooperate: tuple[float, ...], leave: tuple[float, ...]) -> str | None:
    """The code of a deterministic member (P(C) after an outcome it always leaves after does
    not matter); None when some probability that matters is strictly between 0 and 1."""
    if first not in (0.0, 1.0):
        return None
    letters = ["C" if first == 1.0 else "D"]
    for c, q in zip(cooperate, leave):
        if q == 1.0:
            letters.append("L")
        elif q == 0.0 and c in (0.0, 1.0):
            letters.append("C" if c == 1.0 else "D")
        else:
            return None
    return "".join(letters)


def family_of(first: float, cooperate: tuple[float, ...], leave: tuple[float, ...]) -> str:
    """How the member treats an unconditional cooperator: "withholding" if it may withhold
    after it has cooperated, or never cooperates at all; else "trust-building" (it
    withholds at most before its first cooperation, and its stake is always 1)."""
    # Nodes: (last outcome index or None for round 1, has it cooperated yet).
    start: tuple[int | None, bool] = (None, False)
    seen = {start}
    frontier = [start]
    withholds_after_cooperating = cooperates_ever = False
    while frontier:
        last, has_cooperated = frontier.pop()
        p = first if last is None else cooperate[last]
        if p > 0.0:
            cooperates_ever = True
        if p < 1.0 and has_cooperated:
            withholds_after_cooperating = True
        successors = []
        if p > 0.0:
            successors.append((outcome_index(C, C), True))
        if p < 1.0:
            successors.append((outcome_index(D, C), has_cooperated))
        for node in successors:
            if leave[node[0]] < 1.0 and node not in seen:
                seen.add(node)
                frontier.append(node)
    if withholds_after_cooperating or not cooperates_ever:
        return "withholding"
    return "trust-building"


def _classifier_of(first: float, cooperate: tuple[float, ...], leave: tuple[float, ...]) -> dict[str, Any]:
    used = [first, *leave, *(c for c, q in zip(cooperate, leave) if q < 1.0)]
    return classifier(
        family_of(first, cooperate, leave),
        1,
        stochastic=any(0.0 < p < 1.0 for p in used),
        can_leave=any(q > 0.0 for q in leave),
    )


# State 0: round 1; state 1 + o: the last outcome was o.
_MOVES = tuple(tuple(tuple(1.0 if k == 1 + o else 0.0 for k in range(5)) for o in range(4)) for _ in range(5))


@functools.lru_cache(maxsize=1024)
def _state_table(first: float, cooperate: tuple[float, ...], leave_after: tuple[float, ...]) -> StateTable:
    """A member's table, built once (tables are immutable: the players of one member, in
    either role, share it, and with it what the engines derive from it)."""
    return StateTable(
        cooperate=(first, *cooperate),
        stake=(1.0,) * 5,
        leave=(leave_after,) * 5,  # type: ignore[arg-type]
        transition=_MOVES,
    )


class MemoryOne(Player):
    """M1, a memory-one strategy with leave: ``first`` is P(C) in round 1; ``cc``, ``cd``,
    ``dc``, ``dd`` are P(C) after each outcome of the last round (own action first) and
    ``leave_cc`` ... ``leave_dd`` P(leave) after it. ``code`` gives a deterministic member
    instead, e.g. ``M1(code=CCLCL)``; with no arguments it is Tit for Tat (code CCDCD).

    Memory-one strategies: Nowak & Sigmund 1993 (Nature 364:56), Press & Dyson 2012 (PNAS
    109:10409); with the option to leave: Izquierdo, Izquierdo & Vega-Redondo 2014 (J. Econ.
    Dyn. Control 46:91). Several named strategies are members: Out-for-Tat is CCLCL, Loyal
    CCCCC, Voice CCDCD, Parasite DDDDD, Hit and Run DLLLL.
    """

    name = "M1"
    classifier = _classifier_of(1.0, (1.0, 0.0, 1.0, 0.0), (0.0, 0.0, 0.0, 0.0))

    def __init__(
        self,
        code: str | None = None,
        first: float = 1.0,
        cc: float = 1.0,
        cd: float = 0.0,
        dc: float = 1.0,
        dd: float = 0.0,
        leave_cc: float = 0.0,
        leave_cd: float = 0.0,
        leave_dc: float = 0.0,
        leave_dd: float = 0.0,
    ) -> None:
        given = {
            "first": first,
            "cc": cc,
            "cd": cd,
            "dc": dc,
            "dd": dd,
            "leave_cc": leave_cc,
            "leave_cd": leave_cd,
            "leave_dc": leave_dc,
            "leave_dd": leave_dd,
        }
        probs = {
            k: number_in(k, v, 0.0, 1.0, False, "must be a probability in [0, 1]") for k, v in given.items()
        }
        if code is not None:
            changed = [k for k, v in probs.items() if v != _DEFAULTS[k]]
            if changed:
                raise ParameterError(changed[0], given[changed[0]], "cannot be given together with code")
            self.first, self.cooperate, self.leave_after = parse_code(code)
        else:
            self.first = probs["first"]
            self.cooperate = tuple(probs[o] for o in OUTCOME_NAMES)
            self.leave_after = tuple(probs["leave_" + o] for o in OUTCOME_NAMES)
        super().__init__()
        self.code = code_of(self.first, self.cooperate, self.leave_after)
        if code is not None:
            self.name = f"{type(self).name}(code={self.code})"
        else:
            self.name = instance_name(type(self).name, given, _DEFAULTS)
        self.classifier = _classifier_of(self.first, self.cooperate, self.leave_after)

    def strategy(self, opponent: Player) -> Action:
        if not self.history:
            p = self.first
        else:
            p = self.cooperate[outcome_index(self.history[-1], opponent.history[-1])]
        return C if self.chance(p) else D

    def leave(self, opponent: Player) -> bool:
        return self.chance(self.leave_after[outcome_index(self.history[-1], opponent.history[-1])], LEAVE)

    def state_table(self) -> StateTable:
        return _state_table(self.first, self.cooperate, self.leave_after)
