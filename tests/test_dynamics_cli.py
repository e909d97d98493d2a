"""Dynamics on a real results folder: the payoff matrix against hand-computed scores,
`powergame dynamics`, its bad input, the report's dynamics section, the winner for sweeps."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from helpers import cli

from powergame.errors import ParameterError
from powergame.game import Game
from powergame.tournaments.dynamics import analyse_folder, dynamics_winner
from powergame.tournaments.dynamics_report import dynamics_section
from powergame.tournaments.payoff_matrix import load_payoffs
from powergame.tournaments.report import render_report
from powergame.tournaments.round_robin import run_tournament
from powergame.tournaments.spec import TournamentSpec


@pytest.fixture(scope="module")
def exact_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("exact")
    spec = TournamentSpec(
        name="pair",
        strategies=("Out For Tat", "Parasite"),
        game=Game(rounds=10, outside_options=(1.0, 0.5)),
        exact=True,
    )
    run_tournament(spec, folder)
    return folder


def run_cli(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, *args: str
) -> tuple[int, str, str]:
    return cli(monkeypatch, capsys, *args)


def test_exact_payoff_matrix_matches_the_scores_by_hand(exact_folder: Path) -> None:
    payoffs = load_payoffs(exact_folder)
    assert payoffs.strategies == ("Out For Tat", "Parasite") and payoffs.exact
    # 10 rounds, v = (1, 0.5). Out For Tat (A) meets Parasite (B): S = 0 then leaves, 9 rounds of v:
    # A (0 + 9) / 10, B (5 + 9 * 0.5) / 10. Parasite (A) vs Out For Tat (B): A (5 + 9) / 10,
    # B (0 + 4.5) / 10. Self-play: 3 each (mutual C) and 1 each (mutual D, nobody leaves).
    assert payoffs.a == pytest.approx(np.array([[3.0, 0.9], [1.4, 1.0]]))
    assert payoffs.b == pytest.approx(np.array([[3.0, 0.95], [0.45, 1.0]]))
    assert (payoffs.se_a == 0).all() and (payoffs.se_b == 0).all()
    # one population plays both roles: (0.9 + 0.45) / 2 and (1.4 + 0.95) / 2
    assert payoffs.symmetric() == pytest.approx(np.array([[3.0, 0.675], [1.175, 1.0]]))


def test_dynamics_winner_for_a_results_folder(exact_folder: Path) -> None:
    # From equal shares Out For Tat earns (3 + 0.675) / 2 > (1.175 + 1) / 2: it takes over.
    assert dynamics_winner(exact_folder, method="replicator") == "Out For Tat"
    assert dynamics_winner(exact_folder, population_size=20, beta=1.0) == "Out For Tat"
    with pytest.raises(ParameterError, match="method"):
        dynamics_winner(exact_folder, method="best")


def test_dynamics_command_prints_json_and_writes_files(
    exact_folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "dyn"
    code, stdout, err = run_cli(
        capsys, monkeypatch, "dynamics", str(exact_folder), "--roles", "-N", "20", "--json", "--out", str(out)
    )
    assert code == 0, err
    data = json.loads(stdout)
    assert data["replicator"]["converged_to"] == "Out For Tat"
    assert data["roles"]["A"]["converged_to"] == "Out For Tat"
    assert data["roles"]["B"]["converged_to"] == "Out For Tat"
    assert data["settings"]["population_size"] == 20 and data["exact"] is True
    for name in ("payoffs.csv", "shares.csv", "shares_A.csv", "stationary.csv", "invasion_graph.graphml"):
        assert (out / name).is_file(), name
    assert (out / "dynamics_shares.png").read_bytes()[:4] == b"\x89PNG"
    stationary = pd.read_csv(out / "stationary.csv")
    assert stationary["fermi"].sum() == pytest.approx(1.0)


def test_dynamics_command_prints_a_readable_summary(
    exact_folder: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    code, stdout, _ = run_cli(capsys, monkeypatch, "dynamics", str(exact_folder), "--continuous", "-g", "50")
    assert code == 0
    assert "converges to Out For Tat" in stdout and "continuous" in stdout and "exact payoffs" in stdout


@pytest.mark.parametrize(("share", "winner"), [(0.14, "Parasite"), (0.16, "Out For Tat")])
def test_starting_shares_on_either_side_of_the_unstable_rest_point(
    exact_folder: Path,
    share: float,
    winner: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # m = [[3, 0.675], [1.175, 1]]: equal fitness where 3x + 0.675(1 - x) = 1.175x + (1 - x), x = 0.325/2.15
    # = 0.1512 Out For Tat; below it Parasite takes over, above it Out For Tat.
    shares = f"Out For Tat={share}; Parasite={1 - share}"
    code, stdout, err = run_cli(
        capsys, monkeypatch, "dynamics", str(exact_folder), "--shares", shares, "--json"
    )
    assert code == 0, err
    assert json.loads(stdout)["replicator"]["converged_to"] == winner


@pytest.mark.parametrize(
    ("args", "named"),
    [
        (("--population-size", "1"), "--population-size = 1"),
        (("--beta", "-1"), "--beta = -1.0"),
        (("--shares", "0.5,0.2"), "--shares"),
        (("--moran-w", "2"), "--moran-w = 2.0"),
    ],
)
def test_bad_options_are_one_line(
    exact_folder: Path,
    args: tuple[str, ...],
    named: str,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code, stdout, err = run_cli(capsys, monkeypatch, "dynamics", str(exact_folder), *args)
    assert code == 2 and stdout == ""
    assert err.startswith("Error: ") and err.count("\n") == 1 and named in err


def test_folders_of_another_kind_are_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    other = tmp_path / "other"
    other.mkdir()
    pd.DataFrame({"agent": [1, 2], "payoff": [0.5, 0.7]}).to_parquet(other / "matches.parquet")
    for folder, says in (
        (empty, "must hold matches.parquet"),
        (other, "results of another kind"),
        (tmp_path / "none", "existing folder"),
    ):
        code, _, err = run_cli(capsys, monkeypatch, "dynamics", str(folder))
        assert code == 2 and err.startswith("Error: ") and err.count("\n") == 1 and says in err


def test_report_has_a_dynamics_section(exact_folder: Path, tmp_path: Path) -> None:
    page = render_report(exact_folder, tmp_path / "report")
    text = page.read_text(encoding="utf-8")
    assert "<h2>Evolutionary dynamics</h2>" in text
    assert "the population converges to Out For Tat" in text
    assert (tmp_path / "report" / "dynamics_invasion_graph.png").is_file()


def test_report_section_without_self_play_says_why_instead_of_failing(tmp_path: Path) -> None:
    spec = TournamentSpec(
        name="no-self",
        strategies=("Out For Tat", "Parasite"),
        game=Game(rounds=5),
        exact=True,
        self_play=False,
    )
    text = dynamics_section(run_tournament(spec).matches, tmp_path)
    assert "Not available for these results" in text and "self_play = true" in text
    assert list(tmp_path.iterdir()) == []  # no plots drawn


def test_simulated_folder_carries_standard_errors(tmp_path: Path) -> None:
    spec = TournamentSpec(
        name="noisy",
        strategies=("Out For Tat", "Parasite", "Loyal"),
        game=Game(rounds=20, noise=0.1),
        repetitions=6,
        seed=3,
    )
    run_tournament(spec, tmp_path / "res")
    from powergame.tournaments.dynamics import DynamicsSettings

    result = analyse_folder(tmp_path / "res", DynamicsSettings(population_size=10, draws=20))
    assert not result.payoffs.exact and (result.payoffs.se_a > 0).any()
    assert result.noise["draws"] == 20 and 0 <= result.noise["stationary_winner_kept"] <= 1
