"""The registry: name syntax, lookup, parameters, namespaces, wrappers, picklable factories."""

from __future__ import annotations

import pickle
import sys
import types
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import powergame
from powergame import C, Game, Player, play_match
from powergame.errors import ParameterError, UnknownStrategyError
from powergame.registry import (
    Registry,
    StrategySpec,
    format_spec,
    load_registry,
    normalize,
    parse_name,
)

FIXTURES = Path(__file__).parent / "plugin_fixtures"
GOOD = str(FIXTURES / "good_plugin.py")
NAMESPACED = str(FIXTURES / "namespaced_plugin.py")


@pytest.fixture(scope="module")
def registry() -> Registry:
    reg = load_registry([GOOD, NAMESPACED], entry_points=False, env=False)
    assert reg.errors == []
    return reg


# --- name syntax ------------------------------------------------------------------------------
def test_normalize_ignores_case_spaces_and_punctuation():
    assert normalize("Out-for-Tat") == normalize("out for tat") == normalize("OUTFORTAT") == "outfortat"


def test_parse_plain_name():
    assert parse_name("  Out-for-Tat ") == [StrategySpec("Out-for-Tat")]


def test_parse_parameters_literal_and_bare_string():
    assert parse_name("Start Small(T=3)") == [StrategySpec("Start Small", (("T", 3),))]
    assert parse_name("M1(code=CCDLL)") == [StrategySpec("M1", (("code", "CCDLL"),))]
    assert parse_name("X(p=0.25, flag=True, s='a,b')") == [
        StrategySpec("X", (("p", 0.25), ("flag", True), ("s", "a,b")))
    ]


def test_parse_wrapper_chain_innermost_first():
    specs = parse_name("axelrod:TitForTat | Leave After Withholdings(k=3) | Other")
    assert specs == [
        StrategySpec("axelrod:TitForTat"),
        StrategySpec("Leave After Withholdings", (("k", 3),)),
        StrategySpec("Other"),
    ]


def test_parentheses_without_keywords_belong_to_the_name():
    # axelrod has "N Tit(s) For M Tat(s)": parentheses there are part of the name.
    assert parse_name("N Tit(s) For M Tat(s)") == [StrategySpec("N Tit(s) For M Tat(s)")]


@pytest.mark.parametrize("bad", ["", "   ", "A | ", "| B"])
def test_parse_rejects_empty_names_and_parts(bad):
    with pytest.raises(ParameterError):
        parse_name(bad)


def test_parse_rejects_repeated_parameter():
    with pytest.raises(ParameterError, match="twice"):
        parse_name("Start Small(T=1, T=2)")


_names = st.text(alphabet="ABCdef xyz-", min_size=1, max_size=12).map(str.strip).filter(bool)
_values = st.one_of(
    st.integers(-5, 50),
    st.floats(0, 1, allow_nan=False),
    st.booleans(),
    st.text(alphabet="CDL", min_size=1, max_size=5),
    st.text(alphabet="a ,(|)'", min_size=0, max_size=5),
)
_params = st.dictionaries(st.sampled_from(["T", "k", "code", "p"]), _values, max_size=3)


@given(name=_names, params=_params)
def test_format_spec_reads_back_to_the_same_spec(name, params):
    spec = StrategySpec(name, tuple(params.items()))
    assert parse_name(format_spec(spec)) == [spec]


# --- lookup -----------------------------------------------------------------------------------
def test_lookup_ignores_case_spaces_and_punctuation(registry):
    assert registry.get("fixture hit and run").name == "Fixture Hit-and-Run"
    assert registry.get("FIXTURE_HIT_AND_RUN").name == "Fixture Hit-and-Run"


def test_unknown_name_suggests_close_names(registry):
    with pytest.raises(UnknownStrategyError) as info:
        registry.get("Fixture Hit and Rnu")
    assert "Fixture Hit-and-Run" in info.value.suggestions
    assert "did you mean" in str(info.value)


def test_create_gives_fresh_players(registry):
    first = registry.create("Fixture Always Cooperate")
    second = registry.create("Fixture Always Cooperate")
    assert first is not second
    assert type(first).__name__ == "FixtureAlwaysCooperate"


def test_entries_sorted_without_wrappers_and_filtered_by_family(registry):
    names = [e.name for e in registry.entries()]
    assert names == sorted(names, key=str.casefold)
    assert "Fixture Leave After Withholdings" not in names
    assert "Fixture Private Helper" not in names  # private class: never registered
    assert [e.name for e in registry.wrappers()] == ["Fixture Leave After Withholdings"]
    assert {e.name for e in registry.entries("withholding")} == {
        "Fixture Hit-and-Run",
        "fixturepkg:Fixture Grudge",
    }


def test_entries_reject_unknown_family(registry):
    with pytest.raises(ParameterError, match="trust-building, withholding, neutral"):
        registry.entries("chaotic")


def test_entry_doc_is_first_paragraph_and_source_is_the_file(registry):
    entry = registry.get("Fixture Always Cooperate")
    assert entry.doc == "Cooperates every round and never leaves."
    assert entry.source == GOOD
    assert entry.classifier["family"] == "trust-building"


# --- namespaces ---------------------------------------------------------------------------------
def test_namespaced_name_and_bare_name(registry):
    full = registry.get("fixturepkg:Fixture Grudge")
    assert full.name == "fixturepkg:Fixture Grudge"
    assert registry.get("fixture grudge") is full
    assert registry.create("Fixture Grudge").name == "fixturepkg:Fixture Grudge"


def test_strategies_list_limits_what_a_module_registers(registry):
    with pytest.raises(UnknownStrategyError):
        registry.get("Fixture Not Listed")


def test_bare_name_shared_by_two_namespaces_is_ambiguous(tmp_path):
    source = (FIXTURES / "namespaced_plugin.py").read_text()
    other = tmp_path / "other_ns.py"
    other.write_text(source.replace('NAMESPACE = "fixturepkg"', 'NAMESPACE = "otherpkg"'))
    reg = load_registry([NAMESPACED, other], entry_points=False, env=False)
    assert reg.errors == []
    with pytest.raises(UnknownStrategyError) as info:
        reg.get("Fixture Grudge")
    assert info.value.suggestions == ["fixturepkg:Fixture Grudge", "otherpkg:Fixture Grudge"]
    assert reg.get("otherpkg:fixture grudge").name == "otherpkg:Fixture Grudge"


# --- parameters ---------------------------------------------------------------------------------
def test_parameters_reach_the_constructor(registry):
    player = registry.create("fixture start small(T=3, opening=C)")
    assert (player.T, player.opening) == (3, "C")
    assert player.name == "Fixture Start Small(T=3, opening=C)"
    # opening=C: it cooperates during the T opening rounds too.
    result = play_match(Game(rounds=5), player, registry.create("Fixture Always Cooperate"), seed=0)
    assert result.actions_a == "CCCCC"
    other = registry.create("Fixture Start Small(T=2)")
    result = play_match(Game(rounds=4), other, registry.create("Fixture Always Cooperate"), seed=0)
    assert result.actions_a == "DDCC"


def test_unknown_parameter_names_the_allowed_ones(registry):
    with pytest.raises(ParameterError) as info:
        registry.create("Fixture Start Small(X=1)")
    message = str(info.value)
    assert "X" in message and "T, opening" in message


def test_parameter_for_a_class_without_parameters(registry):
    with pytest.raises(ParameterError, match="allowed parameters of 'Fixture Always Cooperate': none"):
        registry.create("Fixture Always Cooperate(k=1)")


def test_value_rejected_by_the_class_is_a_parameter_error(registry):
    with pytest.raises(ParameterError, match="T = -1"):
        registry.create("Fixture Start Small(T=-1)")


def test_positional_parameter_asks_for_key_value(registry):
    with pytest.raises(ParameterError, match="key=value"):
        registry.create("Fixture Start Small(3)")


# --- wrappers -----------------------------------------------------------------------------------
def test_wrapper_composition_plays_inner_and_leaves(registry):
    name = "Fixture Always Cooperate | Fixture Leave After Withholdings(k=2)"
    player = registry.create(name)
    assert player.name == name
    assert player.classifier["can_leave"] is True
    # Against Start Small(T=3) (D, D, D, C...): leaves after the second D, in round 2.
    result = play_match(Game(rounds=10), player, registry.create("Fixture Start Small(T=3)"), seed=0)
    assert result.actions_a == "CC"
    assert (result.left_by, result.exit_round) == ("A", 2)


def test_wrapper_alone_or_in_front_is_an_error(registry):
    with pytest.raises(ParameterError, match="exit wrapper"):
        registry.create("Fixture Leave After Withholdings(k=2)")
    with pytest.raises(ParameterError, match="exit wrapper"):
        registry.create("Fixture Leave After Withholdings | Fixture Always Cooperate")


def test_non_wrapper_after_bar_lists_wrappers(registry):
    with pytest.raises(ParameterError, match="Fixture Leave After Withholdings"):
        registry.create("Fixture Always Cooperate | Fixture Hit-and-Run")


def test_wrapper_parameters_are_checked(registry):
    with pytest.raises(ParameterError, match="allowed parameters of 'Fixture Leave After Withholdings': k"):
        registry.create("Fixture Always Cooperate | Fixture Leave After Withholdings(j=2)")


# --- factories ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "name",
    [
        "Fixture Always Cooperate",
        "Fixture Start Small(T=3)",
        "Fixture Grudge",
        "Fixture Grudge | Fixture Leave After Withholdings(k=2)",
    ],
)
def test_factories_pickle_and_rebuild_the_same_player(registry, name):
    entry = registry.get(name)
    clone = pickle.loads(pickle.dumps(entry.factory))
    original, rebuilt = entry.factory(), clone()
    assert type(rebuilt) is type(original)
    assert rebuilt.name == original.name == entry.name
    partner_a, partner_b = (
        registry.create("Fixture Start Small(T=1)"),
        registry.create("Fixture Start Small(T=1)"),
    )
    game = Game(rounds=6)
    assert play_match(game, original, partner_a, seed=1) == play_match(game, rebuilt, partner_b, seed=1)


def test_registry_rebuilt_from_its_plugins_creates_the_same_players(registry):
    again = load_registry(registry.plugins, entry_points=False, env=False)
    assert [e.name for e in again.entries()] == [e.name for e in registry.entries()]
    name = "Fixture Start Small(T=2)"
    assert type(again.create(name)) is type(registry.create(name))


def test_contains(registry):
    assert "fixture grudge" in registry
    assert "Fixture Start Small(X=1)" not in registry
    assert "nothing like it" not in registry


def test_players_from_registry_really_play(registry):
    result = play_match(
        Game(rounds=3), registry.create("Fixture Always Cooperate"), registry.create("Fixture Grudge"), seed=0
    )
    assert (result.actions_a, result.actions_b) == ("CCC", "DDD")
    assert result.totals == (0.0, 15.0)  # S = 0 and T = 5 per round


# --- axelrod names ------------------------------------------------------------------------------
class _FakeAxelrodPlayer(Player):
    def __init__(self, strategy: str, **kwargs: object) -> None:
        super().__init__()
        self.name = "axelrod:" + strategy
        self.kwargs = kwargs
        self.classifier = {
            "family": "neutral",
            "memory_depth": 1,
            "stochastic": False,
            "can_leave": False,
            "uses_outside_options": False,
        }

    def strategy(self, opponent):
        return opponent.history[-1] if opponent.history else C


class _FakeTitForTat:
    """Copies the partner's last move.

    More text."""

    name = "Tit For Tat"


def _fake_find(name: str) -> type:
    key = normalize(name.split(":", 1)[-1])
    if key in ("titfortat",):
        return _FakeTitForTat
    raise UnknownStrategyError(name, ["axelrod:Tit For Tat"])


@pytest.fixture
def fake_bridge(monkeypatch):
    fake = types.ModuleType("powergame.axelrod_bridge")
    fake.find_axelrod_strategy = _fake_find  # type: ignore[attr-defined]
    fake.axelrod_strategy_names = lambda: ["Tit For Tat"]  # type: ignore[attr-defined]
    fake.AxelrodPlayer = _FakeAxelrodPlayer  # type: ignore[attr-defined]
    monkeypatch.setitem(sys.modules, "powergame.axelrod_bridge", fake)
    monkeypatch.setattr(powergame, "axelrod_bridge", fake, raising=False)
    return fake


def test_axelrod_names_resolve_through_the_bridge(registry, fake_bridge):
    entry = registry.get("axelrod:TitForTat")
    assert (entry.name, entry.source, entry.doc) == (
        "axelrod:Tit For Tat",
        "axelrod",
        "Copies the partner's last move.",
    )
    player = registry.create("Axelrod: tit for tat")
    assert isinstance(player, _FakeAxelrodPlayer) and player.name == "axelrod:Tit For Tat"
    assert registry.create("axelrod:TitForTat(p=1)").kwargs == {"p": 1}
    assert all(not e.name.startswith("axelrod:") for e in registry.entries())


def test_axelrod_strategy_with_an_exit_wrapper(registry, fake_bridge):
    player = registry.create("axelrod:TitForTat | Fixture Leave After Withholdings(k=1)")
    assert player.name == "axelrod:Tit For Tat | Fixture Leave After Withholdings(k=1)"
    result = play_match(Game(rounds=5), player, registry.create("Fixture Grudge"), seed=0)
    assert (result.actions_a, result.left_by, result.exit_round) == ("C", "A", 1)


def test_unknown_axelrod_name_keeps_the_bridge_suggestions(registry, fake_bridge):
    with pytest.raises(UnknownStrategyError, match="axelrod:Tit For Tat"):
        registry.get("axelrod:Tit For Tatt")


def test_real_axelrod_strategy_if_the_bridge_is_there(registry):
    pytest.importorskip("powergame.axelrod_bridge")
    entry = registry.get("axelrod:TitForTat")
    assert entry.name == "axelrod:Tit For Tat"
    clone = pickle.loads(pickle.dumps(entry.factory))()
    # Tit For Tat against Grudge (always D): C then D forever.
    result = play_match(Game(rounds=4), clone, registry.create("Fixture Grudge"), seed=0)
    assert result.actions_a == "CDDD"
