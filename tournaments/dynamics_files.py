"""Dynamics input and output: starting shares from the command line; tables, GraphML, JSON
and plots written to a folder."""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from powergame.errors import ParameterError

from . import replicator

if TYPE_CHECKING:
    from .dynamics import Dynamics


def parse_shares(text: str, strategies: Sequence[str]) -> tuple[float, ...]:
    """``--shares``: numbers in the order of the strategies (``0.5,0.25,0.25``) or
    ``NAME=SHARE`` items separated by ``;`` (strategies not named start at 0)."""
    text = text.strip()
    if "=" not in text or all(_is_number(part) for part in text.split(",")):
        try:
            values = [float(part) for part in text.split(",")]
        except ValueError:
            raise ParameterError(
                "--shares", text, "must be numbers separated by ',' or NAME=SHARE items separated by ';'"
            ) from None
        return tuple(replicator.check_shares(values, len(strategies), "--shares"))
    index = {name: i for i, name in enumerate(strategies)}
    values_by_name = [0.0] * len(strategies)
    for item in filter(None, (part.strip() for part in text.split(";"))):
        name, _, number = item.rpartition("=")
        if name.strip() not in index:
            raise ParameterError(
                "--shares", name.strip(), f"must name strategies of the results ({len(strategies)} of them)"
            )
        if not _is_number(number):
            raise ParameterError("--shares", item, "each item must be NAME=SHARE with a number")
        values_by_name[index[name.strip()]] = float(number)
    return tuple(replicator.check_shares(values_by_name, len(strategies), "--shares"))


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def write_outputs(result: Dynamics, out: str | os.PathLike[str], top: int = 12) -> list[Path]:
    """Write the tables (CSV), the summary (JSON), the invasion graph (GraphML) and the
    plots (PNG) of ``result`` into the folder ``out``; return the paths written."""
    from .dynamics_report import PLOTS

    target = Path(out)
    if target.exists() and not target.is_dir():
        raise ParameterError("--out", str(target), "must be a folder, not a file")
    target.mkdir(parents=True, exist_ok=True)
    names = list(result.strategies)
    written = []

    def save(name: str, frame: pd.DataFrame, index: bool = False) -> None:
        frame.to_csv(target / name, index=index)
        written.append(target / name)

    save("payoffs.csv", result.payoffs.table())
    save("shares.csv", pd.DataFrame(result.replicator.shares, columns=names).rename_axis("generation"), True)
    if result.roles is not None:
        for role, trajectory in zip("AB", result.roles):
            frame = pd.DataFrame(trajectory.shares, columns=names).rename_axis("generation")
            save(f"shares_{role}.csv", frame, True)
    save("fixation_fermi.csv", pd.DataFrame(result.rho_fermi, index=names, columns=names), True)
    save("fixation_moran.csv", pd.DataFrame(result.rho_moran, index=names, columns=names), True)
    stationary = pd.DataFrame(
        {"strategy": names, "fermi": result.stationary_fermi, "moran": result.stationary_moran}
    )
    save("stationary.csv", stationary)
    save("stability.csv", result.stability)
    from .invasion import write_graphml

    write_graphml(result.graph("fermi"), target / "invasion_graph.graphml")
    written.append(target / "invasion_graph.graphml")
    (target / "dynamics.json").write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
    written.append(target / "dynamics.json")
    for name, plot in PLOTS.items():
        figure = plot(result, top)
        figure.savefig(target / name, format="png")
        written.append(target / name)
    return written
