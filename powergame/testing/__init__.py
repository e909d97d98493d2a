"""Property tests for strategy authors: does a strategy do what its classifier claims?

``check_all(MyStrategy)`` runs the whole battery; each claim also has its own check
(``check_can_leave``, ``check_memory_depth``, ...). Engine invariants live in
``powergame.testing.invariants``, hypothesis strategies in ``powergame.testing.strategies``.
Names are imported on first use so that the pytest plugin stays cheap to load.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "check_all": "battery",
    "run_battery": "battery",
    "Verdict": "battery",
    "check_valid_decisions": "properties",
    "check_stakes": "properties",
    "check_no_mutation": "properties",
    "check_can_leave": "properties",
    "check_memory_depth": "properties",
    "check_deterministic": "properties",
    "check_trust_building": "properties",
    "check_withholding": "properties",
    "check_family": "properties",
    "withholding_games": "properties",
    "PROPERTIES": "properties",
    "Profile": "profiles",
    "QUICK": "profiles",
    "THOROUGH": "profiles",
    "profile_for": "profiles",
    "ScriptedPartner": "partners",
    "UnconditionalCooperator": "partners",
    "Script": "harness",
    "drive": "harness",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name not in _EXPORTS:
        raise AttributeError(f"module 'powergame.testing' has no attribute {name!r}")
    return getattr(importlib.import_module(f"powergame.testing.{_EXPORTS[name]}"), name)
