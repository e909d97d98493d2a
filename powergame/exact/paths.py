"""Single paths in closed form: chains in which every state has at most one successor."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from powergame.exact.chains import _Chain
from powergame.exact.limits import MAX_STAIRCASE


@dataclass(frozen=True)
class _Paths:
    """Chains in which every state has at most one successor (deterministic tables, no
    noise; leave chances may be anything), one per pair.

    With S states the path x_0, x_1, ... (x_t: the state of round t + 1) repeats within S
    steps: x_{t + L} = x_t for t >= M, with M + L <= S. Staying together through round t + 1
    has chance c(x_t), so the chance to reach round t + 1 is m_t = c(x_0) ... c(x_{t-1});
    past the prefix, m_{M + r + kL} = m_{M + r} rho^k, rho being the chance to stay
    through one turn of the cycle. Every sum over rounds is then a sum over the first
    M + L positions with geometric weights."""

    state: np.ndarray  # (S, N) x_p for positions p < S, as pair * S + state
    mass: np.ndarray  # (S, N) m_p
    cycle_start: np.ndarray  # (N,) M
    cycle_length: np.ndarray  # (N,) L
    cycle_chance: np.ndarray  # (N,) rho


def _trace(chain: _Chain) -> _Paths:
    """Each pair's path, prefix and cycle (2S gathers over all pairs)."""
    count, states = len(chain.start), chain.states
    offset = np.arange(count) * states
    if chain.successor is None or chain.chance is None:
        Q = chain.transitions()
        successor, chance = (np.argmax(Q, axis=2) + offset[:, None]).ravel(), Q.max(axis=2).ravel()
    else:
        successor, chance = (chain.successor + offset[:, None]).ravel(), chain.chance.ravel()
    visited = np.empty((2 * states + 1, count), dtype=np.intp)
    visited[0] = chain.start + offset
    for t in range(2 * states):
        np.take(successor, visited[t], out=visited[t + 1])
    # x_S lies on the cycle (S + 1 positions in S states hold a repeat), so its first
    # return is the cycle length; the cycle starts at the first t with x_t = x_{t + L}.
    cycle_length = 1 + np.argmax(visited[states + 1 :] == visited[states], axis=0)
    position = np.arange(states)[:, None]
    ahead = np.take_along_axis(visited, position + cycle_length, axis=0)
    cycle_start = np.argmax(visited[:states] == ahead, axis=0)
    stay = chance[visited[: 2 * states - 1]]  # c(x_t), t < 2S - 1
    mass = np.ones((states, count))
    mass[1:] = np.cumprod(stay[: states - 1], axis=0)
    in_cycle = np.take_along_axis(stay, position + cycle_start, axis=0)
    cycle_chance = np.where(position < cycle_length, in_cycle, 1.0).prod(axis=0)
    return _Paths(visited[:states], mass, cycle_start, cycle_length, cycle_chance)


def _by_state(paths: _Paths, weight: np.ndarray) -> np.ndarray:
    """Per-position weights (S, N) summed by state: (N, S)."""
    states, count = paths.state.shape
    return np.bincount(paths.state.ravel(), weight.ravel(), minlength=count * states).reshape(count, states)


def _path_visits_fixed(paths: _Paths, rounds: int) -> np.ndarray:
    """Expected rounds in each state over ``rounds`` rounds: position p of the cycle is
    the round t = p + kL for every k with t < rounds."""
    states = len(paths.state)
    position = np.arange(states)[:, None]
    start, length = paths.cycle_start, paths.cycle_length
    in_prefix = (position < start) & (position < rounds)
    in_cycle = (position >= start) & (position < start + length) & (position < rounds)
    turns = np.where(in_cycle, (rounds - position + length - 1) // length, 0)
    factor = np.where(in_prefix, 1.0, _geometric_sum(paths.cycle_chance, turns))
    return _by_state(paths, paths.mass * factor)


def _path_visits_discounted(paths: _Paths, w: float) -> np.ndarray:
    """Expected discounted rounds in each state: sum over t of w^t m_t."""
    states = len(paths.state)
    position = np.arange(states)[:, None]
    start, length = paths.cycle_start, paths.cycle_length
    per_turn = 1.0 / (1.0 - w**length * paths.cycle_chance)
    factor = np.where(position < start, 1.0, np.where(position < start + length, per_turn, 0.0))
    return _by_state(paths, paths.mass * w**position * factor)


def _geometric_sum(ratio: np.ndarray, terms: np.ndarray) -> np.ndarray:
    """1 + ratio + ... + ratio^(terms - 1), accurate when ratio is close to 1."""
    gap = 1.0 - ratio
    if ((gap == 0.0) | (gap == 1.0)).all():  # certain stays and leaves: 1 + 1 + ... or 1 + 0 + ...
        return np.where(gap == 0.0, terms, np.minimum(terms, 1)).astype(float)
    with np.errstate(divide="ignore", invalid="ignore"):
        value = -np.expm1(terms * np.log1p(-gap)) / gap
    return np.where(terms == 0, 0.0, np.where(gap == 0.0, terms, value))


def _path_positions(paths: _Paths, length: int) -> tuple[np.ndarray, np.ndarray]:
    """For rounds t < length, (N, length): the path position of round t + 1 and the
    number of completed turns of the cycle."""
    t = np.arange(length)
    start, cycle = paths.cycle_start[:, None], paths.cycle_length[:, None]
    turns = np.maximum(t - start, 0) // cycle
    return t - turns * cycle, turns


def _path_curves(paths: _Paths, length: int) -> np.ndarray:
    """m_t for t < length, (N, length)."""
    chance = paths.cycle_chance
    if np.isin(paths.mass, (0.0, 1.0)).all() and np.isin(chance, (0.0, 1.0)).all():
        # Together for the first T rounds, then never: a step at T (or none).
        start, cycle = paths.cycle_start, paths.cycle_length
        reached = np.where(np.arange(len(paths.mass))[:, None] < start + cycle, paths.mass, 0.0)
        exit_round = np.where(
            (chance == 1.0) & (reached.sum(axis=0) == start + cycle), length, reached.sum(axis=0)
        )
        if length > MAX_STAIRCASE or len(exit_round) < 64:
            return (np.arange(length) < exit_round[:, None]).astype(float)
        staircase = np.tri(length + 1, length, -1)  # row k: 1 for t < k (a gather beats comparing)
        return staircase.take(np.minimum(exit_round, length).astype(np.intp), axis=0)
    position, turns = _path_positions(paths, length)
    return np.take_along_axis(paths.mass.T, position, axis=1) * chance[:, None] ** turns


def _path_series(paths: _Paths, length: int, weights: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Visits weighted by ``weights`` per round (N, S) and m_t for t < length (N, length)."""
    states, count = paths.state.shape
    position, _ = _path_positions(paths, length)
    mass = _path_curves(paths, length)
    state = np.take_along_axis(paths.state.T, position, axis=1)
    weighted = np.bincount(state.ravel(), (mass * weights).ravel(), minlength=count * states)
    return weighted.reshape(count, states), mass
