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
from powergame.population.tables import StackedTables

__all__ = [
    "HOW",
    "RELATIONSHIP_FIELDS",
    "Adjacency",
    "ChangeRule",
    "Market",
    "Population",
    "StackedTables",
    "TableStrategies",
    "TickFigures",
]
