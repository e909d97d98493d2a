"""Tournament specs: a TOML file (data only, never executed) that describes one question.

::

    name = "default"
    description = "Trust-building vs withholding under asymmetric outside options."
    strategies = ["Out-for-Tat", "Hit and Run", "Loyal"]
    repetitions = 10
    seed = 1
    self_play = true
    exact = false             # true: solve each pairing exactly (state-table strategies only)

    [game]
    rounds = 200              # or: continuation = 0.99
    payoffs = [3, 0, 5, 1]    # both partners, or [[R,S,T,P], [R,S,T,P]] for A and B
    outside_options = [2, 1]  # v_A, v_B
    exit_costs = [0, 0]
    noise = 0.0

Every bad field raises a ``ParameterError`` naming the file, the key and what is allowed.
"""

from __future__ import annotations

import dataclasses
import difflib
import hashlib
import json
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from powergame.errors import ParameterError
from powergame.game import Game

from .bundled import resolve_spec

TOP_KEYS = ("name", "description", "strategies", "repetitions", "seed", "self_play", "exact", "game")
GAME_KEYS = ("rounds", "continuation", "payoffs", "outside_options", "exit_costs", "noise")
MAX_SEED = 2**63 - 1
MAX_NAME_LENGTH = 100  # the name is the default results folder


@dataclass(frozen=True)
class TournamentSpec:
    """A round-robin tournament: which strategies, how often, under which game."""

    name: str
    strategies: tuple[str, ...]
    game: Game = field(default_factory=Game)
    repetitions: int = 1
    seed: int = 0
    self_play: bool = True
    description: str = ""
    # Exact mode: each pairing solved once as a Markov chain (repetitions do not apply).
    exact: bool = False
    # The file it came from, for error messages; not part of what decides the results.
    source: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "strategies", tuple(self.strategies))
        _check_spec_values(self, where="spec")

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data; ``spec_from_dict`` reverses it. ``exact`` appears only
        when true, so simulated specs keep their fingerprints."""
        data: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "strategies": list(self.strategies),
            "repetitions": self.repetitions,
            "seed": self.seed,
            "self_play": self.self_play,
            "game": self.game.to_dict(),
        }
        if self.exact:
            data["exact"] = True
        return data

    def fingerprint(self) -> str:
        """A hash of everything that decides the results (the description does not)."""
        data = self.to_dict()
        del data["description"]
        return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()[:16]

    def with_seed(self, seed: int) -> TournamentSpec:
        """The same spec with another master seed."""
        return dataclasses.replace(self, seed=seed)

    def with_exact(self, exact: bool) -> TournamentSpec:
        """The same spec in exact mode (``True``) or simulated (``False``)."""
        return dataclasses.replace(self, exact=exact)


def load_spec(path: str | Path) -> TournamentSpec:
    """Read and validate a TOML spec: a file, or a bundled spec by name (``"default"``; an
    existing file wins, see ``bundled.resolve_spec``); the name defaults to the file's stem."""
    path = resolve_spec(path)
    where = path.name
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8-sig"))  # a BOM (Notepad) is fine
    except tomllib.TOMLDecodeError as exc:
        raise ParameterError(where, "TOML", f"must be valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise ParameterError(where, "encoding", "must be UTF-8 text") from None
    data.setdefault("name", path.stem)
    return spec_from_dict(data, where=where)


def spec_from_dict(data: dict[str, Any], where: str = "spec") -> TournamentSpec:
    """Validate plain data (a parsed TOML file or ``TournamentSpec.to_dict()``)."""
    if isinstance(data.get("population"), dict):
        raise ParameterError(where, "[population]", "is a population spec: run it with `powergame evolve`")
    _reject_unknown(data, TOP_KEYS, where, "")
    if "strategies" not in data:
        raise ParameterError(f"{where}: strategies", None, "is required: a list of strategy names")
    game_data = data.get("game", {})
    if not isinstance(game_data, dict):
        raise ParameterError(f"{where}: game", game_data, "must be a table ([game])")
    game = _game_from_table(game_data, where)
    strategies = data["strategies"]
    if not isinstance(strategies, list):
        raise ParameterError(f"{where}: strategies", strategies, "must be a list of strategy names")
    try:
        return TournamentSpec(
            name=data.get("name", "tournament"),
            strategies=tuple(strategies),
            game=game,
            repetitions=data.get("repetitions", 1),
            seed=data.get("seed", 0),
            self_play=data.get("self_play", True),
            description=data.get("description", ""),
            exact=data.get("exact", False),
            source="" if where == "spec" else where,
        )
    except ParameterError as exc:
        if exc.name.startswith("spec: "):
            raise ParameterError(f"{where}: {exc.name[6:]}", exc.value, exc.allowed) from None
        raise


def _game_from_table(table: dict[str, Any], where: str) -> Game:
    _reject_unknown(table, GAME_KEYS, where, "game.")
    kwargs: dict[str, Any] = {key: value for key, value in table.items() if value is not None}
    if "payoffs" in kwargs:
        kwargs["payoffs"] = _payoff_pair(kwargs["payoffs"], where)
    for key in ("outside_options", "exit_costs"):
        if key in kwargs:
            kwargs[key] = _number_pair(kwargs[key], f"game.{key}", where)
    try:
        return Game(**kwargs)
    except ParameterError as exc:
        raise ParameterError(f"{where}: game.{exc.name}", exc.value, exc.allowed) from None


def _payoff_pair(value: object, where: str) -> tuple[Any, Any]:
    allowed = "must be [R, S, T, P] for both partners or [[R, S, T, P], [R, S, T, P]] for A and B"
    if isinstance(value, list) and len(value) == 4 and not any(isinstance(v, list) for v in value):
        return (tuple(value), tuple(value))
    if (
        isinstance(value, list)
        and len(value) == 2
        and all(isinstance(side, list) and len(side) == 4 for side in value)
    ):
        return (tuple(value[0]), tuple(value[1]))
    raise ParameterError(f"{where}: game.payoffs", value, allowed)


def _number_pair(value: object, key: str, where: str) -> tuple[Any, Any]:
    if isinstance(value, list) and len(value) == 2:
        return (value[0], value[1])
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (value, value)
    raise ParameterError(f"{where}: {key}", value, "must be [A, B] (two numbers) or one number for both")


def _reject_unknown(data: dict[str, Any], allowed: tuple[str, ...], where: str, prefix: str) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(key, allowed, n=1)
            hint = f"did you mean {prefix}{close[0]!r}? " if close else ""
            raise ParameterError(
                f"{where}: key", f"{prefix}{key}", f"unknown key; {hint}allowed: {', '.join(allowed)}"
            )


def _check_spec_values(spec: TournamentSpec, where: str) -> None:
    if not isinstance(spec.name, str) or not spec.name.strip():
        raise ParameterError(f"{where}: name", spec.name, "must be a non-empty string")
    if any(ch in spec.name for ch in "/\\") or spec.name in (".", ".."):
        raise ParameterError(f"{where}: name", spec.name, "must not contain path separators")
    if len(spec.name) > MAX_NAME_LENGTH:
        raise ParameterError(f"{where}: name", spec.name, f"must be at most {MAX_NAME_LENGTH} characters")
    if not spec.name.isprintable():
        raise ParameterError(f"{where}: name", spec.name, "must be printable text (no control characters)")
    if not isinstance(spec.description, str):
        raise ParameterError(f"{where}: description", spec.description, "must be a string")
    if not spec.strategies:
        raise ParameterError(f"{where}: strategies", list(spec.strategies), "must name at least one strategy")
    for name in spec.strategies:
        if not isinstance(name, str) or not name.strip():
            raise ParameterError(f"{where}: strategies", name, "must be a list of non-empty strings")
    duplicates = sorted({n for n in spec.strategies if spec.strategies.count(n) > 1})
    if duplicates:
        raise ParameterError(f"{where}: strategies", duplicates[0], "each strategy may appear only once")
    if spec.self_play is not True and spec.self_play is not False:
        raise ParameterError(f"{where}: self_play", spec.self_play, "must be true or false")
    if spec.exact is not True and spec.exact is not False:
        raise ParameterError(f"{where}: exact", spec.exact, "must be true or false")
    if len(spec.strategies) < 2 and not spec.self_play:
        raise ParameterError(
            f"{where}: strategies", list(spec.strategies), "needs two or more names when self_play = false"
        )
    reps = spec.repetitions
    if isinstance(reps, bool) or not isinstance(reps, int) or reps < 1:
        raise ParameterError(f"{where}: repetitions", reps, "must be a whole number >= 1")
    seed = spec.seed
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ParameterError(f"{where}: seed", seed, f"must be a whole number in [0, {MAX_SEED}]")
    if not isinstance(spec.game, Game):
        raise ParameterError(f"{where}: game", spec.game, "must be a powergame Game")
