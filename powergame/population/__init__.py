"""The population engine: a relationship market on a graph (docs/populations.md)."""

from powergame.population.engine import (
    HOW,
    RELATIONSHIP_FIELDS,
    ChangeRule,
    Market,
    Population,
    TableStrategies,
    TickFigures,
)
from powergame.population.graph import Adjacency
from powergame.population.players import PlayerStrategies
from powergame.population.tables import StackedTables

__all__ = [
    "HOW",
    "RELATIONSHIP_FIELDS",
    "Adjacency",
    "ChangeRule",
    "Market",
    "PlayerStrategies",
    "Population",
    "StackedTables",
    "TableStrategies",
    "TickFigures",
]
