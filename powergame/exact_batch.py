"""Exact expectations for many pairs of state tables at once: ``exact_many`` (the solver
lives in the package ``powergame.exact``; this module keeps its names where they were)."""

from powergame.exact.batch import FIGURES, ExactBatch
from powergame.exact.limits import MAX_CELLS, MAX_MATRIX_CELLS, MAX_STAIRCASE
from powergame.exact.many import exact_many

__all__ = ["FIGURES", "MAX_CELLS", "MAX_MATRIX_CELLS", "MAX_STAIRCASE", "ExactBatch", "exact_many"]
