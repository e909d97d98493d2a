"""Plugin discovery: files, POWERGAME_PLUGINS, entry points, and every way a plugin can break."""

from __future__ import annotations

import os
import pickle
import sys
import textwrap
from pathlib import Path

import pytest

from powergame.errors import PluginError
from powergame.plugins import ENV_VAR, contents_of, env_plugin_paths, module_name_for
from powergame.registry import load_registry

FIXTURES = Path(__file__).parent / "plugin_fixtures"
GOOD = str(FIXTURES / "good_plugin.py")


def _messages(registry) -> list[str]:
    return [str(e) for e in registry.errors]


def _load(*files: str | Path):
    return load_registry([str(f) for f in files], entry_points=False, env=False)


# --- failure modes: one clear message each, everything else usable ------------------------------
def test_plugin_that_fails_to_import():
    reg = _load(FIXTURES / "broken_import_plugin.py", GOOD)
    [error] = reg.errors
    assert isinstance(error, PluginError)
    assert error.plugin.endswith("broken_import_plugin.py")
    assert "RuntimeError: fixture plugin cannot start (line 4)" in error.reason
    assert "Fixture Always Cooperate" in reg  # the other plugin is unaffected


def test_syntax_error_names_the_line(tmp_path):
    bad = tmp_path / "syntax.py"
    bad.write_text("x = 1\ndef broken(:\n")
    [error] = _load(bad).errors
    assert "SyntaxError" in error.reason and "(line 2)" in error.reason


def test_object_that_is_not_a_player_and_bad_classifier_and_nameless_class():
    reg = _load(FIXTURES / "invalid_plugin.py")
    messages = _messages(reg)
    assert len(messages) == 3
    assert "NotAPlayer is not a Player subclass" in messages[0]
    assert "'Fixture Bad Classifier'" in messages[1] and "'chaotic'" in messages[1]
    assert "Nameless needs a `name`" in messages[2]
    assert all("invalid_plugin.py" in m for m in messages)
    assert [e.name for e in reg.entries()] == ["Fixture Still Fine"]


def test_duplicate_name_names_both_plugins():
    dup = FIXTURES / "duplicate_plugin.py"
    reg = _load(GOOD, dup)
    [error] = reg.errors
    assert error.plugin == str(dup)
    assert "'fixture always-cooperate'" in error.reason and GOOD in error.reason
    assert reg.get("Fixture Always Cooperate").source == GOOD  # the first one stays
    assert "Fixture Fresh" in reg  # and the rest of the second plugin is usable


def test_missing_file_and_directory():
    reg = _load("/nonexistent/plugin.py", FIXTURES, GOOD)
    assert _messages(reg) == [
        "plugin '/nonexistent/plugin.py': file not found",
        f"plugin {str(FIXTURES)!r}: is a directory, not a .py file",
    ]
    assert "Fixture Start Small" in reg


def test_reserved_and_malformed_namespace(tmp_path):
    reserved = tmp_path / "reserved.py"
    reserved.write_text('NAMESPACE = "axelrod"\n')
    malformed = tmp_path / "malformed.py"
    malformed.write_text('NAMESPACE = "a:b"\n')
    messages = _messages(_load(reserved, malformed))
    assert "reserved" in messages[0]
    assert "'a:b' is not allowed" in messages[1]


def test_strategies_must_be_a_list(tmp_path):
    bad = tmp_path / "notalist.py"
    bad.write_text("STRATEGIES = 3\n")
    [error] = _load(bad).errors
    assert "STRATEGIES must be a list" in error.reason


def test_same_file_twice_is_loaded_once():
    reg = _load(GOOD, GOOD)
    assert reg.errors == [] and reg.plugins == (GOOD,)


def test_contents_of_rejects_other_objects():
    with pytest.raises(PluginError, match="expected a module"):
        contents_of(42, "numbers")


# --- plugin files -------------------------------------------------------------------------------
def test_file_plugin_module_name_is_stable_and_classes_pickle():
    name = module_name_for(Path(GOOD).resolve())
    assert name == module_name_for(Path(GOOD).resolve())
    assert name != module_name_for((FIXTURES / "namespaced_plugin.py").resolve())
    reg = _load(GOOD)
    cls = reg.get("Fixture Always Cooperate").factory
    assert cls.__module__ == name and sys.modules[name].__file__ == str(Path(GOOD).resolve())
    assert pickle.loads(pickle.dumps(cls)) is cls


# --- the environment variable -------------------------------------------------------------------
def test_env_plugin_paths_split_on_pathsep():
    value = os.pathsep.join(["a.py", "", "b.py"])
    assert env_plugin_paths({ENV_VAR: value}) == ["a.py", "b.py"]
    assert env_plugin_paths({}) == []


def test_registry_reads_the_environment(monkeypatch):
    monkeypatch.setenv(ENV_VAR, os.pathsep.join([GOOD, str(FIXTURES / "namespaced_plugin.py")]))
    reg = load_registry(entry_points=False)
    assert "Fixture Hit-and-Run" in reg and "fixturepkg:Fixture Grudge" in reg
    assert reg.plugins == (GOOD, str(FIXTURES / "namespaced_plugin.py"))
    assert "Fixture Hit-and-Run" not in load_registry(entry_points=False, env=False)


# --- entry points, through a throwaway distribution ----------------------------------------------
def _install_fake_distribution(root: Path, entry_points: str, modules: dict[str, str]) -> None:
    dist_info = root / "powergame_fixture_dist-1.0.dist-info"
    dist_info.mkdir()
    (dist_info / "METADATA").write_text("Metadata-Version: 2.1\nName: powergame-fixture-dist\nVersion: 1.0\n")
    (dist_info / "entry_points.txt").write_text(textwrap.dedent(entry_points))
    for name, source in modules.items():
        (root / f"{name}.py").write_text(textwrap.dedent(source))


FAKE_MODULE = """
    from powergame import C, D, Player

    NAMESPACE = "epfix"

    _CLASSIFIER = {"family": "neutral", "memory_depth": 0, "stochastic": False,
                   "can_leave": False, "uses_outside_options": False}


    class EntryCooperator(Player):
        \"\"\"Registered through an entry point.\"\"\"

        name = "Entry Cooperator"
        classifier = _CLASSIFIER

        def strategy(self, opponent):
            return C


    class EntryDefector(Player):
        name = "Entry Defector"
        classifier = _CLASSIFIER

        def strategy(self, opponent):
            return D


    LISTED = [EntryDefector]
"""


def test_entry_points_are_discovered(tmp_path, monkeypatch):
    _install_fake_distribution(
        tmp_path,
        """
        [powergame.strategies]
        zz_fixture_module = pg_fixture_ep
        zz_fixture_list = pg_fixture_ep_list:LISTED
        zz_fixture_broken = pg_fixture_missing_module
        """,
        {"pg_fixture_ep": FAKE_MODULE, "pg_fixture_ep_list": FAKE_MODULE.replace('NAMESPACE = "epfix"', "")},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = load_registry(env=False)

    module_entry = reg.get("epfix:Entry Cooperator")
    assert module_entry.source == "zz_fixture_module"
    assert module_entry.doc == "Registered through an entry point."
    assert reg.get("Entry Cooperator") is module_entry  # bare name, unambiguous
    # The list entry point registers only what it lists, without a namespace.
    assert reg.get("Entry Defector").source == "zz_fixture_list"
    assert reg.get("epfix:Entry Defector").source == "zz_fixture_module"

    broken = [e for e in reg.errors if e.plugin == "zz_fixture_broken"]
    assert len(broken) == 1
    assert "failed to load" in broken[0].reason and "ModuleNotFoundError" in broken[0].reason
    assert pickle.loads(pickle.dumps(module_entry.factory))().name == "epfix:Entry Cooperator"


def test_entry_points_can_be_switched_off(tmp_path, monkeypatch):
    _install_fake_distribution(
        tmp_path,
        "[powergame.strategies]\nzz_fixture_module = pg_fixture_ep2\n",
        {"pg_fixture_ep2": FAKE_MODULE},
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert "epfix:Entry Cooperator" in load_registry(env=False)
    assert "epfix:Entry Cooperator" not in load_registry(entry_points=False, env=False)


def test_entry_point_and_file_with_the_same_name_clash(tmp_path, monkeypatch):
    _install_fake_distribution(
        tmp_path,
        "[powergame.strategies]\nzz_fixture_list = pg_fixture_ep3:LISTED\n",
        {"pg_fixture_ep3": FAKE_MODULE.replace('NAMESPACE = "epfix"', "")},
    )
    clash = tmp_path / "clash.py"
    clash.write_text(
        textwrap.dedent(FAKE_MODULE)
        .replace('NAMESPACE = "epfix"', "")
        .replace("LISTED = [EntryDefector]", "STRATEGIES = [EntryDefector]")
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    reg = load_registry([clash], env=False)
    [error] = [e for e in reg.errors if e.plugin == str(clash)]
    assert "'Entry Defector' is already registered by plugin 'zz_fixture_list'" in error.reason


def test_a_plugin_file_without_strategies_is_reported(tmp_path):
    from powergame.registry import load_registry

    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n", encoding="utf-8")
    registry = load_registry([str(empty)], entry_points=False, env=False)
    assert [str(e) for e in registry.errors] == [
        f"plugin {str(empty)!r}: defines no strategy: no Player subclass with a `name` of its own, "
        "and no STRATEGIES list"
    ]
