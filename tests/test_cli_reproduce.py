"""`powergame reproduce`: lists, computes, and names a bad reproduction in one line."""

from __future__ import annotations

from helpers import cli


def run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    return cli(monkeypatch, capsys, "reproduce", *args)


def test_list_names_every_reproduction(monkeypatch, capsys) -> None:
    code, out, _ = run(monkeypatch, capsys, "--list")
    assert code == 0
    assert [line.split()[0] for line in out.splitlines()] == [
        "schuessler",
        "fujiwara-greve",
        "lelele",
        "es1",
        "least-interest",
    ]


def test_a_reproduction_prints_the_paper_and_our_figures(monkeypatch, capsys) -> None:
    code, out, _ = run(monkeypatch, capsys, "least-interest")
    assert code == 0
    assert "paper: Waller (1938)" in out
    lines = {
        line.rsplit(": ", 1)[0].strip(): line.rsplit(": ", 1)[1] for line in out.splitlines() if ": " in line
    }
    assert float(lines["gap 2: leaves (per 100 ticks), better-option class minus other"]) > 0
    assert (
        float(lines["gap 2, no exit rule reads v: leaves (per 100 ticks), better-option class minus other"])
        < 0
    )


def test_an_unknown_reproduction_is_one_line(monkeypatch, capsys) -> None:
    code, out, err = run(monkeypatch, capsys, "schusler")
    assert code != 0
    assert err.strip().splitlines() == [
        "Error: reproduction = 'schusler' is not allowed: must be one of schuessler, fujiwara-greve, "
        "lelele, es1, least-interest; did you mean 'schuessler'?"
    ]


def fake_long_reproduction(progress=None, processes=0):
    from powergame.tournaments.reproductions import Figure, Reproduction

    if progress is not None:
        progress(7)
    return Reproduction("lelele", "A long one", "a statement", "x.toml", (Figure("a figure", 0.5),))


def test_a_long_reproduction_shows_progress_on_stderr_unless_quiet(monkeypatch, capsys) -> None:
    from powergame.tournaments import reproductions

    monkeypatch.setitem(reproductions.REPRODUCTIONS, "lelele", fake_long_reproduction)
    code, out, err = run(monkeypatch, capsys, "lelele")
    assert code == 0 and "a figure: 0.5" in out
    assert "lelele" in err and "7/" in err  # the bar, on stderr
    code, out, err = run(monkeypatch, capsys, "lelele", "--quiet")
    assert code == 0 and "a figure: 0.5" in out and err == ""


def test_bad_processes_are_one_line(monkeypatch, capsys) -> None:
    code, out, err = run(monkeypatch, capsys, "least-interest", "--processes", "-1", "--quiet")
    assert code != 0 and out == ""
    assert err.strip().splitlines() == [
        "Error: --processes = -1 is not allowed: must be a whole number >= 0 (0 = all cores)"
    ]
