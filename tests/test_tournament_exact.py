"""Exact tournaments: every tabled pairing solved once, against hand results and simulation."""

from __future__ import annotations

import math
import sys
from pathlib import Path

import pytest

from powergame.cli import main
from powergame.errors import ParameterError
from powergame.game import Game
from powergame.tournaments import analysis, storage
from powergame.tournaments.report import render_report
from powergame.tournaments.round_robin import run_tournament
from powergame.tournaments.spec import TournamentSpec, load_spec, spec_from_dict

NAMED = ("Out For Tat", "Loyal", "Parasite", "Hit And Run", "Voice")
SPECS = Path(__file__).resolve().parent.parent / "tournaments" / "specs"


def exact_spec(**game: object) -> TournamentSpec:
    return TournamentSpec(name="exact", strategies=NAMED, game=Game(**game), exact=True)  # type: ignore[arg-type]


def pair_row(matches, a: str, b: str):
    rows = matches[(matches["strategy_a"] == a) & (matches["strategy_b"] == b)]
    assert len(rows) == 1
    return rows.iloc[0]


def test_exact_scores_of_named_strategies_by_hand():
    matches = run_tournament(exact_spec(rounds=10, outside_options=(1.0, 0.5))).matches
    # Both role assignments (asymmetric outside options), self-play once: 5 + 2 * 10 pairings.
    assert len(matches) == 25 and matches["exact"].all() and (matches["repetition"] == 0).all()
    # Out For Tat (C) meets Parasite (D) once, then leaves: A earns S = 0, then v_A = 1 for 9 rounds.
    row = pair_row(matches, "Out For Tat", "Parasite")
    assert row["score_a"] == pytest.approx((0 + 9 * 1.0) / 10)
    assert row["score_b"] == pytest.approx((5 + 9 * 0.5) / 10)
    assert row["p_left_a"] == 1.0 and row["p_lasted"] == 0.0 and row["rounds_together"] == 1.0
    # Loyal keeps cooperating with Parasite for all 10 rounds: S = 0 against T = 5 each round.
    row = pair_row(matches, "Loyal", "Parasite")
    assert (row["score_a"], row["score_b"]) == pytest.approx((0.0, 5.0))
    assert row["p_lasted"] == 1.0 and list(row["survival"]) == [1.0] * 10
    # Hit And Run (D, then leaves) against Loyal in role B: T = 5 once, then the outside options.
    row = pair_row(matches, "Hit And Run", "Loyal")
    assert (row["score_a"], row["score_b"]) == pytest.approx(((5 + 9 * 1.0) / 10, (0 + 9 * 0.5) / 10))
    assert math.isnan(row["seed"]) or row["seed"] is None


def test_simulation_agrees_with_the_exact_tournament():
    game = {"rounds": 8, "noise": 0.1}
    exact = run_tournament(exact_spec(**game)).matches
    simulated = run_tournament(
        TournamentSpec(name="sim", strategies=NAMED, game=Game(**game), repetitions=400, seed=3)  # type: ignore[arg-type]
    ).matches
    grouped = simulated.groupby(["strategy_a", "strategy_b"])
    for (a, b), group in grouped:
        row = pair_row(exact, a, b)
        for column in ("score_a", "score_b", "rounds_together"):
            values = group[column].astype(float)
            error = values.std(ddof=1) / math.sqrt(len(values))
            assert abs(values.mean() - row[column]) <= 4 * error + 1e-9, (a, b, column)


def test_a_strategy_without_a_table_is_a_one_line_error():
    spec = TournamentSpec(name="x", strategies=("Out For Tat", "Reciprocal Stakes"), exact=True)
    with pytest.raises(ParameterError, match="Reciprocal Stakes.*run without --exact"):
        run_tournament(spec)


def test_the_spec_key_and_its_fingerprint():
    spec = spec_from_dict({"strategies": ["Loyal"], "exact": True})
    assert spec.exact and spec.to_dict()["exact"] is True
    plain = spec_from_dict({"strategies": ["Loyal"]})
    assert "exact" not in plain.to_dict()  # simulated specs keep their old fingerprints
    assert spec.fingerprint() != plain.fingerprint() and spec.with_exact(False) == plain
    with pytest.raises(ParameterError, match="exact"):
        spec_from_dict({"strategies": ["Loyal"], "exact": "yes"})
    with pytest.raises(ParameterError, match="did you mean 'exact'"):
        spec_from_dict({"strategies": ["Loyal"], "exakt": True})


def test_analysis_of_exact_results():
    matches = run_tournament(exact_spec(rounds=10, outside_options=(1.0, 0.5))).matches
    assert analysis.is_exact(matches)
    ranked = analysis.ranking(matches)
    assert ranked["score_std"].isna().all()  # one value per strategy: no spread
    long = analysis.to_long(matches)
    # Hit And Run leaves every relationship it is in (alone or together with the partner).
    hit = analysis.strategy_relationships(long).set_index("strategy").loc["Hit And Run"]
    assert hit["share_left"] == pytest.approx(1.0) and hit["share_lasted"] == 0.0
    curves = analysis.survival_curves(long, by="strategy")
    # Hit And Run ends every relationship after round 1; Loyal's curve starts at 1.
    assert curves["Hit And Run"]["survival"].iloc[1] == 0.0
    assert curves["Loyal"]["survival"].iloc[0] == 1.0
    head = analysis.headline(matches)
    assert "not_applicable" in head["log_rank_trust_vs_withholding"]
    with pytest.raises(ParameterError):
        analysis.family_log_rank(matches)


def test_cli_exact_end_to_end_with_resume_and_report(tmp_path, capsys, monkeypatch):
    def powergame(*args: str) -> tuple[int, str, str]:
        monkeypatch.setattr(sys, "argv", ["powergame", *args])
        capsys.readouterr()
        try:
            main()
            code = 0
        except SystemExit as exit_:
            code = int(exit_.code or 0)
        out, err = capsys.readouterr()
        return code, out, err

    out = tmp_path / "exact"
    args = ("tournament", *NAMED, "--rounds", "10", "--outside", "1,0.5", "--exact", "-q", "-o", str(out))
    code, printed, err = powergame(*args)
    assert code == 0, err
    assert "pairings solved exactly" in printed
    matches = storage.load_matches(out)
    assert matches["exact"].all() and matches["seed"].isna().all()
    assert pair_row(matches, "Out For Tat", "Parasite")["score_a"] == pytest.approx(0.9)
    spec = exact_spec(rounds=10, outside_options=(1.0, 0.5)).with_seed(0)
    resumed = run_tournament(spec.__class__(**{**spec.__dict__, "name": "tournament"}), out, resume=True)
    assert resumed.summary["counts"]["chunks_resumed"] == 1 and resumed.summary["mode"] == "exact"
    page = render_report(out)
    assert "not applicable" in page.read_text()
    code, _, err = powergame("tournament", "Out For Tat", "Reciprocal Stakes", "--exact", "-q")
    assert code == 2 and err.strip().count("\n") == 0 and "Reciprocal Stakes" in err


def test_the_bundled_memory_one_space_spec():
    spec = load_spec(SPECS / "memory_one_space.toml")
    assert spec.exact and len(spec.strategies) == 162
