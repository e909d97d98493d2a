"""Shared pieces of the sweep tests: a small sweep spec and a plugin of test strategies."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pandas as pd

from powergame.tournaments.sweep_run import CELLS_DIR, load_cell

PLUGIN = '''
import time

from powergame import C, D, Player

_CLASSIFIER = {
    "family": "trust-building",
    "memory_depth": 0,
    "stochastic": False,
    "can_leave": False,
    "uses_outside_options": True,
}


class SweepSlow(Player):
    """Cooperates; takes DELAY s to join each match (a cell that takes a while)."""

    name = "Sweep Slow"
    classifier = _CLASSIFIER

    def join_match(self, game, role, seed):
        super().join_match(game, role, seed)
        time.sleep(DELAY)

    def strategy(self, opponent):
        return C


class SweepFragile(Player):
    """Cooperates, except that it breaks when its outside option is BROKEN."""

    name = "Sweep Fragile"
    classifier = _CLASSIFIER

    def strategy(self, opponent):
        if self.own_outside_option == BROKEN:
            raise RuntimeError("fragile at v = BROKEN")
        return C if self.rng.random() < 0.9 else D
'''


def write_plugin(folder: Path, delay: float = 0.0, broken: float = -1.0) -> Path:
    """A plugin file with 'Sweep Slow' and 'Sweep Fragile' (which raises at v = ``broken``)."""
    path = folder / "sweep_plugin.py"
    path.write_text(
        textwrap.dedent(PLUGIN).replace("DELAY", repr(delay)).replace("BROKEN", repr(broken)),
        encoding="utf-8",
    )
    return path


def write_spec(folder: Path, strategies: list[str], axes: str, replicates: int = 1, extra: str = "") -> Path:
    """A sweep spec file over a 10-round game."""
    names = ", ".join(f'"{name}"' for name in strategies)
    text = (
        f'name = "sweep-test"\nstrategies = [{names}]\nrepetitions = 2\nseed = 11\n{extra}'
        "[game]\nrounds = 10\noutside_options = [1.0, 0.5]\nnoise = 0.05\n"
        f"[sweep]\nreplicates = {replicates}\n[sweep.axes]\n{axes}\n"
    )
    path = folder / "sweep.toml"
    path.write_text(text, encoding="utf-8")
    return path


def results_of(folder: Path) -> tuple[pd.DataFrame, list[pd.DataFrame]]:
    """The sweep table and every cell's per-match table of a sweep folder."""
    table = pd.read_parquet(folder / "sweep.parquet")
    cells = [load_cell(folder, int(i)) for i in table.loc[table["status"] == "done", "cell"]]
    return table, cells


def assert_same_results(first: Path, second: Path) -> None:
    """Two sweep folders hold the same sweep table and the same per-cell tables."""
    table_a, cells_a = results_of(first)
    table_b, cells_b = results_of(second)
    pd.testing.assert_frame_equal(table_a, table_b)
    assert len(cells_a) == len(cells_b) > 0
    for a, b in zip(cells_a, cells_b):
        pd.testing.assert_frame_equal(a, b)
    assert sorted(p.name for p in (first / CELLS_DIR).iterdir()) == sorted(
        p.name for p in (second / CELLS_DIR).iterdir()
    )
