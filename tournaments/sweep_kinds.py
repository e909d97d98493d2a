"""What a sweep needs to know about each kind of spec: a cell of a sweep is one ordinary run.

A ``SpecKind`` validates the base spec, names the parameters a sweep may vary, writes a
point's values into the spec's plain data, runs one ordinary run of that data and picks
its headline figures. ``KINDS`` maps a kind's name to a factory; tournaments are built
in, population specs plug in through ``population_kind`` once they exist.
"""

from __future__ import annotations

import copy
import difflib
import io
from collections.abc import Callable, Sequence
from typing import Any, Protocol

from powergame.errors import ParameterError

ROLES = {"A": 0, "B": 1}
LETTERS = {"R": 0, "S": 1, "T": 2, "P": 3}

# A resolved parameter path, e.g. ("game", "outside_options", 0, None).
Path = tuple[Any, ...]


class SpecKind(Protocol):
    """One kind of spec, as a sweep sees it. Every method takes and returns plain data."""

    name: str

    def base_data(self, data: dict[str, Any], where: str) -> dict[str, Any]:
        """Validate a parsed spec (without its [sweep] table); its normalised plain data."""
        ...

    def resolve(self, parameter: str, where: str) -> Path:
        """The path of a parameter name (ParameterError naming the allowed ones if unknown)."""
        ...

    def cell_data(self, base: dict[str, Any], values: dict[str, Any], seed: int) -> dict[str, Any]:
        """``base`` with each parameter set to its value and the seed replaced."""
        ...

    def check(self, data: dict[str, Any], where: str) -> None:
        """ParameterError if ``data`` is not a valid spec of this kind."""
        ...

    def preflight(self, data: dict[str, Any], plugins: tuple[str, ...], where: str) -> None:
        """Before anything runs: the plugins the user named load and every strategy is known."""
        ...

    def run(self, data: dict[str, Any], plugins: Sequence[str]) -> tuple[bytes, dict[str, Any]]:
        """One ordinary run of ``data``: its per-run table as Parquet bytes and its headline
        figures (a flat dict of numbers and strings)."""
        ...


class TournamentKind:
    """Tournament specs (``tournaments.spec``); a cell is one ``run_tournament``."""

    name = "tournament"
    GAME_SCALARS = ("rounds", "continuation", "noise")
    GAME_PAIRS = ("outside_options", "exit_costs")
    TOP = ("repetitions",)

    def base_data(self, data: dict[str, Any], where: str) -> dict[str, Any]:
        from .spec import spec_from_dict

        return spec_from_dict(data, where=where).to_dict()

    def resolve(self, parameter: str, where: str) -> Path:
        parts = parameter.split(".")
        if parts[0] == "game" and len(parts) > 1:
            parts = parts[1:]
        key, rest = parts[0], parts[1:]
        if key in self.TOP and not rest:
            return (key,)
        if key in self.GAME_SCALARS and not rest:
            return ("game", key, None, None)
        if key in self.GAME_PAIRS and len(rest) <= 1 and all(r in ROLES for r in rest):
            return ("game", key, ROLES[rest[0]] if rest else None, None)
        if key == "payoffs" and len(rest) <= 2:
            role = next((ROLES[r] for r in rest if r in ROLES), None)
            letter = next((LETTERS[r] for r in rest if r in LETTERS), None)
            if len(rest) == (role is not None) + (letter is not None) and (len(rest) < 2 or rest[0] in ROLES):
                return ("game", key, role, letter)
        known = [*self.TOP, *self.GAME_SCALARS, *self.GAME_PAIRS, "payoffs"]
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close and close[0] != key else ""
        raise ParameterError(
            f"{where}: sweep parameter",
            parameter,
            f"unknown; {hint}allowed: {', '.join(known)}, with .A/.B for one partner "
            "(outside_options.A, exit_costs.B, payoffs.A) and .R/.S/.T/.P for one payoff (payoffs.A.T)",
        )

    def cell_data(self, base: dict[str, Any], values: dict[str, Any], seed: int) -> dict[str, Any]:
        data = copy.deepcopy(base)
        for parameter, value in values.items():
            _set(data, self.resolve(parameter, "sweep"), value)
        data["seed"] = seed
        return data

    def check(self, data: dict[str, Any], where: str) -> None:
        from .spec import spec_from_dict

        spec_from_dict(data, where=where)

    def preflight(self, data: dict[str, Any], plugins: tuple[str, ...], where: str) -> None:
        from powergame.registry import load_registry

        from .round_robin import check_exact_strategies, check_strategy_names
        from .spec import spec_from_dict

        registry = load_registry(list(plugins))  # fresh: POWERGAME_PLUGINS may have changed
        _raise_plugin_errors(registry, plugins)
        spec = spec_from_dict(data, where=where)
        check_strategy_names(spec, registry)
        if spec.exact:
            check_exact_strategies(spec.strategies, registry)

    def run(self, data: dict[str, Any], plugins: Sequence[str]) -> tuple[bytes, dict[str, Any]]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        from . import storage
        from .round_robin import run_tournament
        from .spec import spec_from_dict

        spec = spec_from_dict(data)
        result = run_tournament(
            spec, None, processes=1, quiet=True, plugins=tuple(plugins), registry_loader=sent_plugins_registry
        )
        matches = result.matches
        exact = "exact" in matches.columns
        table = pa.Table.from_pandas(
            matches, schema=storage.EXACT_SCHEMA if exact else storage.SCHEMA, preserve_index=False
        )
        buffer = io.BytesIO()
        pq.write_table(table, buffer)
        return buffer.getvalue(), tournament_figures(matches, result.summary["headline"])


def sent_plugins_registry(plugins: tuple[str, ...]) -> Any:
    """A cell's registry: the installed strategies and the plugin files sent with the cell,
    not the worker's own POWERGAME_PLUGINS (the sent files include the sender's)."""
    from powergame.registry import load_registry

    return load_registry(list(plugins), env=False)


def tournament_figures(matches: Any, headline: dict[str, Any]) -> dict[str, Any]:
    """A tournament's headline figures for the sweep table: how many relationships lasted
    and who ended the others (shares of all relationships), the best strategy, and per
    family its mean score, share lasted, share it left and share it was left."""
    count = len(matches)
    figures: dict[str, Any] = {"matches": count}
    if "exact" in matches.columns:  # expectations: chances instead of outcomes
        figures["share_lasted"] = float(matches["p_lasted"].mean())
        for who, column in (("A", "p_left_a"), ("B", "p_left_b"), ("both", "p_left_both")):
            figures[f"share_left_by_{who}"] = float(matches[column].mean())
    else:
        figures["share_lasted"] = float(matches["censored"].mean())
        left_by = matches["left_by"]
        for who in ("A", "B", "both"):
            figures[f"share_left_by_{who}"] = float((left_by == who).fillna(False).mean())
    figures["best_strategy"] = headline["best_strategy"]["strategy"]
    for family, row in headline["families"].items():
        for figure in ("score", "share_lasted", "share_left", "share_was_left"):
            value = row.get(figure)
            figures[f"{figure}.{family}"] = float("nan") if value is None else float(value)
    return figures


def _set(data: dict[str, Any], path: Path, value: Any) -> None:
    if path[0] != "game":
        data[path[0]] = value
        return
    game = data["game"]
    key, role, letter = path[1], path[2], path[3]
    if key in TournamentKind.GAME_SCALARS:
        game[key] = value
        other = {"rounds": "continuation", "continuation": "rounds"}.get(key)
        if other is not None and value is not None:
            game[other] = None  # a horizon is either a number of rounds or a continuation
    elif role is None and letter is None:
        game[key] = value
    elif key in TournamentKind.GAME_PAIRS:
        pair = list(game[key])
        pair[role] = value
        game[key] = pair
    else:  # payoffs: one partner's matrix, or one letter of one or both
        payoffs = [list(matrix) for matrix in game["payoffs"]]
        for side in (0, 1) if role is None else (role,):
            if letter is None:
                payoffs[side] = value
            else:
                payoffs[side][letter] = value
        game["payoffs"] = payoffs


def _raise_plugin_errors(registry: Any, plugins: tuple[str, ...]) -> None:
    for error in getattr(registry, "errors", ()):
        if getattr(error, "plugin", None) in plugins:
            raise error  # a plugin the user asked for did not load


def _parquet(table: Any) -> bytes:
    import pyarrow as pa
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    pq.write_table(
        table if isinstance(table, pa.Table) else pa.Table.from_pandas(table, preserve_index=False), buffer
    )
    return buffer.getvalue()


class PopulationKind:
    """Population specs (a [population] table; ``tournaments.population_spec``); a cell is
    one ``run_population`` in memory. Its Parquet file is the run's strategies table (count,
    share and mean payoff of every strategy at every recorded tick)."""

    name = "population"
    SPEC_MODULE = "powergame.tournaments.population_spec"
    RUN_MODULE = "powergame.tournaments.population_run"
    GAME = ("payoffs", "exit_cost", "noise")
    SCALARS = ("size", "ticks", "meet", "breakup")
    TABLES = ("graph", "initial", "outside", "change")
    CHANGE = ("rule", "expected_life", "pool", "prob_revision", "prob_experimentation", "beta", "generation")
    CHANGE_ALSO = ("mutation", "mutation_kind")

    def _spec_module(self) -> Any:
        import importlib

        return importlib.import_module(self.SPEC_MODULE)

    def base_data(self, data: dict[str, Any], where: str) -> dict[str, Any]:
        spec = self._spec_module().population_spec_from_dict(data, where=where)
        base: dict[str, Any] = spec.to_dict()
        return base

    def resolve(self, parameter: str, where: str) -> Path:
        parts = parameter.split(".")
        if parts[0] == "population" and len(parts) > 1:
            parts = parts[1:]
        if parts[0] == "game" and len(parts) == 2:
            parts = parts[1:]
        key, rest = parts[0], parts[1:]
        if key in self.GAME and not rest:
            return ("game", key)
        if key in self.SCALARS and not rest:
            return ("population", key)
        if key in (*self.CHANGE, *self.CHANGE_ALSO) and not rest:
            return ("population", "change", key)
        if key in self.TABLES and rest:
            return ("population", key, *rest)
        known = [*self.GAME, *self.SCALARS, *self.CHANGE, *self.CHANGE_ALSO, "graph.<key>", "outside.<key>"]
        close = difflib.get_close_matches(key, known, n=1)
        hint = f"did you mean {close[0]!r}? " if close and close[0] != key else ""
        raise ParameterError(
            f"{where}: sweep parameter",
            parameter,
            f"unknown for a population spec; {hint}allowed: {', '.join(known)} "
            "(or any key of [population.graph], [population.outside], [population.change])",
        )

    def cell_data(self, base: dict[str, Any], values: dict[str, Any], seed: int) -> dict[str, Any]:
        data = copy.deepcopy(base)
        for parameter, value in values.items():
            *parents, last = self.resolve(parameter, "sweep")
            table = data
            for part in parents:
                table = table.setdefault(part, {})
            table[last] = value
        data["seed"] = seed
        return data

    def check(self, data: dict[str, Any], where: str) -> None:
        self._spec_module().population_spec_from_dict(data, where=where)

    def preflight(self, data: dict[str, Any], plugins: tuple[str, ...], where: str) -> None:
        from powergame.registry import load_registry

        registry = load_registry(plugins)
        _raise_plugin_errors(registry, plugins)
        for name in self._spec_module().population_spec_from_dict(data, where=where).strategies:
            registry.get(name)

    def run(self, data: dict[str, Any], plugins: Sequence[str]) -> tuple[bytes, dict[str, Any]]:
        import importlib

        from powergame.registry import load_registry

        spec = self._spec_module().population_spec_from_dict(data)
        registry = load_registry(tuple(plugins), env=False)  # the sent files include POWERGAME_PLUGINS
        results = importlib.import_module(self.RUN_MODULE).run_population(
            spec, None, quiet=True, plugins=tuple(plugins), registry=registry
        )
        families = {name: registry.get(name).classifier["family"] for name in spec.strategies}
        return _parquet(results.strategies), population_figures(results, families)


def population_figures(results: Any, families: dict[str, str]) -> dict[str, Any]:
    """A population run's headline figures: of its relationships, the share still on at
    the end (lasted) and the shares that ended by a leave and by a breakup; at the last
    recorded tick the share coupled, the winner (the most common strategy) and per
    family its share of the population and its mean payoff per tick."""
    figures: dict[str, Any] = {}
    relationships = results.relationships
    if relationships is not None and len(relationships):
        figures["relationships"] = len(relationships)
        figures["share_lasted"] = float(relationships["censored"].astype(bool).mean())
        how = relationships["how"].astype("string")
        for way in ("leave", "breakup"):
            figures[f"share_ended_by_{way}"] = float((how == way).fillna(False).mean())
    timeseries = results.timeseries
    if len(timeseries):
        figures["coupled"] = float(timeseries["coupled"].iloc[-1])
    strategies = results.strategies
    last = strategies[strategies["tick"] == strategies["tick"].max()].copy()
    last["strategy"] = last["strategy"].astype(str)
    last = last.sort_values(["count", "strategy"], ascending=[False, True])
    figures["winner"] = str(last["strategy"].iloc[0]) if len(last) else None
    figures["winner_share"] = float(last["share"].iloc[0]) if len(last) else float("nan")
    last["family"] = last["strategy"].map(families)
    for family, rows in last.groupby("family", sort=True):
        count = float(rows["count"].sum())
        payoff = rows["mean_payoff"].astype(float)
        figures[f"share.{family}"] = float(rows["share"].sum())
        figures[f"score.{family}"] = (
            float((payoff.fillna(0) * rows["count"]).sum() / count) if count else float("nan")
        )
    return figures


def population_kind() -> SpecKind:
    """Population specs (a spec with a [population] table), when this installation has
    them (``tournaments.population_spec`` and ``population_run``)."""
    import importlib.util

    if importlib.util.find_spec(PopulationKind.SPEC_MODULE) is None:
        raise ParameterError(
            "spec",
            "[population]",
            "population specs cannot be swept by this installation (no population runs); sweep a tournament spec",
        )
    return PopulationKind()


KINDS: dict[str, Callable[[], SpecKind]] = {"tournament": TournamentKind, "population": population_kind}


def kind_for(name: str) -> SpecKind:
    """The ``SpecKind`` called ``name``."""
    if name not in KINDS:
        raise ParameterError("spec kind", name, f"must be one of {', '.join(KINDS)}")
    return KINDS[name]()
