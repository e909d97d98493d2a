"""Literature names registered as aliases resolve to the one class that implements the rule."""

import pytest

from powergame import Player
from powergame.errors import PluginError
from powergame.plugins import PluginContents
from powergame.registry import Registry, load_registry


@pytest.fixture(scope="module")
def registry():
    return load_registry(env=False)


@pytest.mark.parametrize("alias", ["CSL", "conco", "Grim Exit", "walk-away", "Exit"])
def test_out_for_tat_aliases(registry, alias):
    assert registry.get(alias).name == registry.get("Out For Tat").name


def test_d0_is_hit_and_run(registry):
    assert registry.create("d0").name == registry.get("Hit and Run").name


def test_an_alias_that_collides_with_another_name_is_a_plugin_error():
    class Taken(Player):
        name = "Taken"

    class Squatter(Player):
        name = "Squatter"
        aliases = ("taken",)

    reg = Registry()
    reg.add_plugin(PluginContents(source="one", namespace=None, candidates=(Taken,)))
    reg.add_plugin(PluginContents(source="two", namespace=None, candidates=(Squatter,)))
    assert len(reg.errors) == 1
    assert isinstance(reg.errors[0], PluginError)
    assert "alias 'taken'" in str(reg.errors[0]) and "'Taken'" in str(reg.errors[0])
    assert reg.get("taken").name == "Taken"
