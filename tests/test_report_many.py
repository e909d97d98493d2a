"""Large tournaments: the report keeps its plots readable and links the long pair table."""

from powergame import Game
from powergame.tournaments import report
from powergame.tournaments.round_robin import run_tournament
from powergame.tournaments.spec import TournamentSpec


def test_many_strategies_keep_the_best_and_worst_and_link_the_pairs(tmp_path, monkeypatch):
    monkeypatch.setattr(report, "MANY_STRATEGIES", 2)
    monkeypatch.setattr(report, "SHOWN_AT_EACH_END", 1)
    monkeypatch.setattr(report, "MAX_INLINE_PAIRS", 3)
    spec = TournamentSpec(
        name="many", strategies=("Loyal", "Parasite", "Out For Tat", "Voice"), game=Game(rounds=5)
    )
    run_tournament(spec, tmp_path / "r")
    figure = report.plot_survival_by_strategy(report.load_match_table(tmp_path / "r"))
    assert figure.axes[0].get_title().endswith("(best and worst 1 of 4 by score)")
    assert len(figure.axes[0].get_legend().get_texts()) == 2
    page = report.render_report(tmp_path / "r")
    assert (page.parent / "pairs.csv").read_text(encoding="utf-8").count("\n") == 1 + 10  # header + pairs
    assert '<a href="pairs.csv">pairs.csv</a> (10 rows' in page.read_text(encoding="utf-8")
