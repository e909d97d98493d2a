"""Bundled specs by name: listing with their questions, resolving, copying, and the CLI."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import cli

from powergame.errors import ParameterError
from powergame.tournaments import bundled
from powergame.tournaments.spec import load_spec

SHIPPED = {"default", "stakes", "loyalty_voice_exit", "axelrod_basic", "memory_one_space"}
ROOT = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    return cli(monkeypatch, capsys, *args)


def test_every_file_of_the_specs_folder_is_a_bundled_spec() -> None:
    on_disk = {path.stem for path in (ROOT / "tournaments" / "specs").rglob("*.toml")}
    assert set(bundled.bundled_names()) >= SHIPPED
    assert set(bundled.bundled_names()) == on_disk
    for spec in bundled.bundled_specs():
        assert spec.question, f"{spec.name} has no question in its header or description"


def test_the_question_is_the_first_sentence_ending_in_a_question_mark() -> None:
    text = "# Question (a sanity case): does it\n# work? More words.\n#\n# Second paragraph.\nname = 'x'\n"
    assert bundled.header_question(text) == "Does it work?"
    assert (
        bundled.header_question("# A statement\n# over two lines.\n\n# later\n")
        == "A statement over two lines."
    )
    assert bundled.header_question("name = 'x'\n# late comment\n") == ""


def test_kind_comes_from_the_tables_and_the_question_falls_back_to_the_description(tmp_path: Path) -> None:
    sweep = tmp_path / "gap.toml"
    sweep.write_text("# Question: where does trust stop paying?\n[sweep]\nnoise = [0, 0.1]\n")
    population = tmp_path / "pool.toml"
    population.write_text('description = "A pool of partners."\n[population]\nsize = 10\n')
    assert (bundled.describe(sweep).kind, bundled.describe(sweep).question) == (
        "sweep",
        "Where does trust stop paying?",
    )
    assert bundled.describe(sweep).command == "powergame sweep gap"
    assert (bundled.describe(population).kind, bundled.describe(population).question) == (
        "population",
        "A pool of partners.",
    )
    assert bundled.describe(tmp_path / "pool.toml").command == "powergame evolve pool"


def test_a_name_resolves_to_the_bundled_file_and_an_existing_file_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    assert (
        bundled.resolve_spec("default").read_bytes() == (ROOT / "tournaments/specs/default.toml").read_bytes()
    )
    assert bundled.resolve_spec("default.toml") == bundled.resolve_spec("default")
    assert load_spec("stakes").name == "stakes"
    (tmp_path / "default").write_text('name = "mine"\nstrategies = ["Loyal"]\n')
    assert bundled.resolve_spec("default") == Path("default")
    assert load_spec("default").name == "mine"


def test_an_unknown_name_suggests_the_closest_and_lists_them_all() -> None:
    with pytest.raises(ParameterError) as caught:
        bundled.resolve_spec("defualt")
    message = str(caught.value)
    assert "did you mean 'default'?" in message
    assert all(name in message for name in SHIPPED)
    with pytest.raises(ParameterError, match="must be an existing TOML file or a bundled spec; bundled:"):
        load_spec("no/such/file.toml")


def test_copy_writes_the_bundled_text_and_never_overwrites_unasked(tmp_path: Path) -> None:
    target = bundled.copy_spec("stakes", tmp_path / "mine.toml")
    assert target.read_text() == bundled.resolve_spec("stakes").read_text()
    assert load_spec(target).strategies == load_spec("stakes").strategies
    assert bundled.copy_spec("default", tmp_path) == tmp_path / "default.toml"
    with pytest.raises(ParameterError, match="already exists"):
        bundled.copy_spec("stakes", target)
    target.write_text("edited")
    bundled.copy_spec("stakes", target, overwrite=True)
    assert target.read_text() != "edited"
    with pytest.raises(ParameterError, match="did you mean 'stakes'"):
        bundled.copy_spec("stake", tmp_path / "x.toml")
    with pytest.raises(ParameterError, match="existing folder"):
        bundled.copy_spec("stakes", tmp_path / "missing" / "x.toml")


def test_specs_command_lists_names_questions_and_commands(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run_cli("specs", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0
    assert "run: powergame run default" in out and "run: powergame run stakes" in out
    assert "Under asymmetric outside options, do trust-building" in out
    code, out, _ = run_cli("specs", "--json", monkeypatch=monkeypatch, capsys=capsys)
    records = {record["name"]: record for record in json.loads(out)["specs"]}
    assert set(records) >= SHIPPED and records["stakes"]["kind"] == "tournament"


def test_specs_copy_and_show_and_a_misspelled_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    code, out, _ = run_cli("specs", "copy", "default", "q.toml", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and (tmp_path / "q.toml").is_file() and "powergame run q.toml" in out
    code, _, err = run_cli("specs", "copy", "default", "q.toml", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and err.startswith("Error: destination = ") and err.count("\n") == 1
    code, out, _ = run_cli("specs", "show", "stakes", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and 'name = "stakes"' in out
    code, _, err = run_cli("run", "defualt", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 2 and err.count("\n") == 1 and "did you mean 'default'?" in err


def test_run_by_name_prints_the_answer(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    # A small copy of the default question: fewer strategies and repetitions.
    spec = (ROOT / "tournaments/specs/default.toml").read_text()
    spec = spec.replace("repetitions = 10", "repetitions = 3").replace("rounds = 200", "rounds = 30")
    (tmp_path / "default.toml").write_text(spec)
    code, out, _ = run_cli("run", "default.toml", "--quiet", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0
    assert "Answer: Under asymmetric outside options, do trust-building" in out
    assert "Log-rank test, trust-building vs withholding relationships: z = " in out
    assert "Who left whom (" in out


def test_python_dash_m_powergame_is_the_command() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "powergame", "specs", "--json"], capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert "default" in {record["name"] for record in json.loads(done.stdout)["specs"]}


def test_dynamics_takes_a_bundled_name_and_a_folder_of_that_name_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from powergame.tournaments import dynamics

    shipped = tmp_path / "shipped"
    shipped.mkdir()
    (shipped / "tiny.toml").write_text('strategies = ["Loyal", "Parasite"]\n[game]\nrounds = 5\n')
    monkeypatch.setattr(bundled, "specs_folder", lambda: shipped)
    monkeypatch.chdir(tmp_path)
    payoffs = dynamics.load_source("tiny")
    assert sorted(payoffs.strategies) == ["Loyal", "Parasite"]
    (tmp_path / "tiny").mkdir()  # an existing folder of that name is read as results
    with pytest.raises(ParameterError):
        dynamics.load_source("tiny")
