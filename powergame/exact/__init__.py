"""Exact expectations for state-table strategies: the absorbing Markov chain of docs/model.md.

The joint state j = (state of A, state of B) at the start of a round determines everything
about that round. With noise e each played action is C with probability
p' = p(1 - e) + (1 - p)e, the two independently; after the outcome each partner leaves
with its own probability, and if both stay each moves on by its own transition. So:

- ``Q[j, k]``: the chance to start the next round together in state k (nobody leaves);
- ``v0``: the first round's state (a point mass on the initial states);
- per state: the expected payoff of the round ``u_i``, the chance that the round ends
  the relationship by A alone, B alone or both, and the expected cooperation and stake.

With mu_t = v0 Q^(t-1) (the chance to be together in round t, by state) every expectation
is a sum over rounds: a fixed horizon n sums t = 1..n; under continuation w round t is
reached with probability w^(t-1), so the sums become v0 (I - wQ)^(-1) x. The survival
curve is P(T > t) = v0 (wQ)^t 1 (w = 1 for a fixed horizon, t < n).

One solver, ``exact_many`` (many pairs at once, stacked numpy arrays; ``exact_match`` is
its one-pair case), in modules by job:

- ``tables``: the tables of a call as arrays (``StateTable.arrays``, kept with each table);
- ``chains``: the chains of stacked pairs. **Lumping**: when a table's next state depends
  only on the round's outcome, not on the state it was in (every memory-one table), the
  joint state at the start of round t >= 2 is distributed as a function of round t-1's
  outcome alone, so the chain has five states, "first round" and "after outcome CC, CD,
  DC, DD" (A's view), whatever the tables' sizes. Other pairs use the full joint chain,
  stacked by its number of states;
- ``paths``: **single paths** in closed form, when every state has at most one successor
  (deterministic tables, no noise; leave probabilities may be anything);
- ``walk``: the other chains, by powers of Q and blocks of rounds;
- ``sparse``: joint chains above ``MAX_DENSE_STATES`` states as sparse matrices;
- ``solve``: visits to each state, then every figure; the two orders of a pair walked once;
- ``curves``, ``batch``, ``result``: the survival curves on demand and the result types;
- ``many``, ``match``: ``exact_many`` and ``exact_match``; ``limits``, ``series``: limits,
  tolerances and the per-round series.
"""

from powergame.exact.batch import FIGURES, ExactBatch
from powergame.exact.limits import (
    MAX_DENSE_STATES,
    MAX_JOINT_STATES,
    MAX_SPARSE_NONZEROS,
    MAX_SURVIVAL_LENGTH,
    SERIES_TOLERANCE,
    SURVIVAL_FLOOR,
)
from powergame.exact.many import exact_many
from powergame.exact.match import exact_match
from powergame.exact.result import ExactResult
from powergame.exact.series import _per_round_weights, _series_length

__all__ = [
    "FIGURES",
    "MAX_DENSE_STATES",
    "MAX_JOINT_STATES",
    "MAX_SPARSE_NONZEROS",
    "MAX_SURVIVAL_LENGTH",
    "SERIES_TOLERANCE",
    "SURVIVAL_FLOOR",
    "ExactBatch",
    "ExactResult",
    "_per_round_weights",
    "_series_length",
    "exact_many",
    "exact_match",
]
