"""`powergame strategies`: the table, wrappers, --family, --json, plugin warnings, no heavy imports."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import cli

from powergame.cli import main

FIXTURES = Path(__file__).parent / "plugin_fixtures"
GOOD = str(FIXTURES / "good_plugin.py")


def run(monkeypatch, capsys, *args: str) -> tuple[int, str, str]:
    return cli(monkeypatch, capsys, "strategies", *args)


def _row(out: str, name: str) -> list[str]:
    line = next(line for line in out.splitlines() if line.startswith(name + "  "))
    return line[len(name) :].split()


def test_table_lists_plugin_strategies_with_their_classifiers(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "--plugin", GOOD)
    assert (code, err) == (0, "")
    assert out.splitlines()[0].split()[:2] == ["name", "family"]
    assert _row(out, "Fixture Hit-and-Run") == ["withholding", "0", "no", "yes", "no", GOOD]
    assert _row(out, "Fixture Start Small") == ["trust-building", "inf", "no", "no", "no", GOOD]


def test_wrappers_have_their_own_section(monkeypatch, capsys):
    _, out, _ = run(monkeypatch, capsys, "--plugin", GOOD)
    strategies_part, wrappers_part = out.split("Exit wrappers")
    assert "Fixture Leave After Withholdings" not in strategies_part
    assert "Fixture Leave After Withholdings" in wrappers_part


def test_family_filter(monkeypatch, capsys):
    _, out, _ = run(monkeypatch, capsys, "--plugin", GOOD, "--family", "withholding")
    assert "Fixture Hit-and-Run" in out
    assert "Fixture Always Cooperate" not in out and "Exit wrappers" not in out


def test_bad_family_is_one_line_listing_the_families(monkeypatch, capsys):
    code, out, err = run(monkeypatch, capsys, "--family", "chaotic")
    assert code == 2 and out == ""
    assert err.strip() == (
        "Error: family = 'chaotic' is not allowed: must be one of trust-building, withholding, neutral"
    )


def test_json_document(monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys, "--plugin", GOOD, "--json")
    assert code == 0
    data = json.loads(out)
    by_name = {record["name"]: record for record in data["strategies"]}
    assert by_name["Fixture Start Small"] == {
        "name": "Fixture Start Small",
        "family": "trust-building",
        "memory_depth": "inf",
        "stochastic": False,
        "can_leave": False,
        "uses_outside_options": False,
        "source": GOOD,
        "is_wrapper": False,
        "aliases": [],
        "doc": "Withholds for the first T rounds, then cooperates.",
    }
    assert "Fixture Leave After Withholdings" in [w["name"] for w in data["wrappers"]]
    assert "Fixture Leave After Withholdings" not in by_name


def test_broken_plugins_are_warnings_one_line_each(monkeypatch, capsys):
    code, out, err = run(
        monkeypatch, capsys, "--plugin", str(FIXTURES / "invalid_plugin.py"), "--plugin", "/no/such/file.py"
    )
    assert code == 0 and "Fixture Still Fine" in out
    lines = err.splitlines()
    assert len(lines) == 4 and all(line.startswith("Warning: plugin ") for line in lines)
    assert lines[-1] == "Warning: plugin '/no/such/file.py': file not found"


def test_environment_variable_plugins_are_listed(monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["powergame", "strategies"])
    monkeypatch.setenv("POWERGAME_PLUGINS", GOOD)
    main()
    assert "Fixture Hit-and-Run" in capsys.readouterr().out


def test_listing_imports_neither_axelrod_nor_numpy_nor_pandas():
    code = (
        "import sys; from powergame.cli import main; sys.argv = ['powergame', 'strategies']; main(); "
        "print('HEAVY', sorted(m for m in ('axelrod', 'numpy', 'pandas') if m in sys.modules))"
    )
    completed = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.strip().splitlines()[-1] == "HEAVY []"


def test_builtin_library_is_listed_from_its_entry_point(monkeypatch, capsys):
    _, out, _ = run(monkeypatch, capsys, "--json")
    builtin = [r for r in json.loads(out)["strategies"] if r["source"] == "builtin"]
    if not builtin:
        pytest.skip("the built-in library registers no strategies yet")
    assert any(r["name"].casefold().replace("-", " ") == "out for tat" for r in builtin)


def test_aliases_are_listed(monkeypatch, capsys):
    code, out, _ = run(monkeypatch, capsys)
    assert code == 0
    assert "Voice: Tit For Tat, TFT" in out and "Hit And Run: d0" in out
