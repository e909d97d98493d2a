"""The exact solver's limits and tolerances, and the one error for a pair beyond them."""

from __future__ import annotations

from collections.abc import Sequence

from powergame.errors import ParameterError

SURVIVAL_FLOOR = 1e-12  # under continuation the survival curve stops below this
SERIES_TOLERANCE = 1e-13  # truncation error of the E[total / n] series, relative to the payoffs
MAX_SURVIVAL_LENGTH = 100_000  # longest survival curve kept for a fixed horizon
MAX_DENSE_STATES = 4096  # joint chains up to this size are solved with dense matrices (128 MB at most)
MAX_JOINT_STATES = 1 << 20  # larger joint chains are refused; between the two the chain is sparse
MAX_SPARSE_NONZEROS = 1 << 24  # nonzero transitions of a sparse joint chain (about 200 MB)
MAX_STAIRCASE = 4096  # longest step-function curve built by gathering rows of a table
MAX_MATRIX_CELLS = 1 << 24  # pairs x S x S of joint matrices held at once (128 MB of floats)
MAX_CELLS = 1 << 23  # pairs x rounds of survival curve held at once (64 MB of floats)


def _refuse(what: str, names: Sequence[tuple[str, str]] | None, first: int) -> None:
    who = f" ({names[first][0]} vs {names[first][1]})" if names is not None else ""
    raise ParameterError(
        "exact mode",
        f"{what}{who}",
        f"the joint chain may have at most {MAX_JOINT_STATES:,} states and {MAX_SPARSE_NONZEROS:,} "
        "transitions; simulate these strategies instead",
    )
