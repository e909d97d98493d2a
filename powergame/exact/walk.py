"""Distributions by blocks of rounds: sums over rounds and survival curves from the
powers of stacked chains."""

from __future__ import annotations

import numpy as np

from powergame.exact.chains import _Chain


class _PowerWalk:
    """Row vectors x R^t of stacked chains: sums over rounds and survival curves.

    Arrays are laid out pair-major, (N, S, S) and (N, k, S), so that every product of the
    stacked small matrices is one batched ``matmul`` (for a single pair as for thousands).
    When the chain's first state is only the start (lumped chains), round 1 is taken apart
    and R is Q without that state: mu_1 = v0, mu_(t+2) = x R^t with x = Q[0, 1:].
    Otherwise x = v0 and R = Q.

    The powers are those of A = [[1, x], [0, R]] (a start that stays and feeds x into the
    chain every round): A^n = [[1, x (I + R + ... + R^(n-1))], [0, R^n]], so a sum over
    rounds is the first row of one power of A, and R^(2^i) is a block of A^(2^i)."""

    def __init__(self, chain: _Chain) -> None:
        Q = chain.transitions()
        count, states, _ = Q.shape
        self.count, self.states = count, states
        self.skip = 1 if chain.first_round_apart else 0
        if self.skip:  # Q is already [[0, x], [0, R]]: the start only needs to stay
            A = Q.copy()
            A[:, :, 0] = 0.0
        else:
            A = np.zeros((count, states + 1, states + 1))
            A[np.arange(count), 0, 1 + chain.start] = 1.0
            A[:, 1:, 1:] = Q
        A[:, 0, 0] = 1.0
        self.x = A[:, 0, 1:]
        self.augmented = [A]  # A^(2^i)
        self._rows: dict[int, tuple[int, int, np.ndarray]] = {}

    def power(self, i: int) -> np.ndarray:
        """R^(2^i), (N, S, S) (a view into A^(2^i))."""
        while len(self.augmented) <= i:
            last = self.augmented[-1]
            self.augmented.append(last @ last)
        return self.augmented[i][:, 1:, 1:]

    def visits(self, rounds: int) -> np.ndarray:
        """Expected rounds in each state over ``rounds`` rounds, (N, S): x (I + R + ... +
        R^(terms-1)) from the first row of A^terms, the powers A^(2^i) of the set bits of
        ``terms`` multiplied into it (the first one's row taken as it is)."""
        terms = rounds - self.skip
        if terms <= 0:
            summed = np.zeros_like(self.x)
        else:
            row = None
            for bit in range(terms.bit_length()):
                if terms >> bit & 1:
                    self.power(bit)
                    power = self.augmented[bit]
                    row = power[:, :1] if row is None else row @ power
            assert row is not None
            summed = row[:, 0, 1:]
        if self.skip:
            return np.concatenate([np.ones((self.count, 1)), summed], axis=1)
        return np.array(summed)

    def _blocks(self, terms: int) -> tuple[int, int, np.ndarray]:
        """Blocks of B = 2^b terms for the terms x R^m, m < terms: (B, K = ceil(terms / B),
        the K rows x R^(kB) as (N, K, S), doubled from the powers R^(2^i)), kept for the
        next call with as many terms."""
        if terms not in self._rows:
            b = ((terms - 1).bit_length() + 1) // 2
            size = 1 << b
            turns = -(-terms // size)
            rows = np.empty((self.count, 1 << (turns - 1).bit_length(), self.x.shape[1]))
            rows[:, 0] = self.x
            done, i = 1, 0
            while done < turns:
                np.matmul(rows[:, :done], self.power(b + i), out=rows[:, done : 2 * done])
                done, i = 2 * done, i + 1
            self._rows[terms] = (size, turns, rows[:, :turns])
        return self._rows[terms]

    def series(self, rounds: int, weights: np.ndarray) -> np.ndarray:
        """sum_t weights_t mu_(t+1) over t < rounds, (N, S).

        With x R^(kB + j) = (x R^(kB)) R^j and Y_j = sum_k weights_(kB + j) x R^(kB), the
        sum is the polynomial sum_j Y_j R^j, evaluated by halving: terms Y_(2c) +
        Y_(2c+1) R^(2^i) merge level by level, one stacked product per level."""
        terms = rounds - self.skip
        if terms <= 0:
            coefficients = np.zeros((self.count, 1, self.x.shape[1]))
        else:
            size, turns, rows = self._blocks(terms)
            padded = np.zeros(turns * size)
            padded[:terms] = weights[self.skip : rounds]
            coefficients = padded.reshape(turns, size).T @ rows  # Y_j, (N, B, S)
        level = 0
        while coefficients.shape[1] > 1:
            coefficients = coefficients[:, 0::2] + coefficients[:, 1::2] @ self.power(level)
            level += 1
        summed = coefficients[:, 0]
        if self.skip:
            summed = np.concatenate([np.full((self.count, 1), weights[0]), summed], axis=1)
        return summed

    def survival(self, length: int) -> np.ndarray:
        """P(T > t) = mu_(t+1) . 1 for t < length, (N, length): x R^(kB + j) 1 =
        (x R^(kB)) . (R^j 1), so the K x B values of a pair are one small matrix product of
        its rows (``_blocks``) and the B columns R^j 1 (doubled from the powers). The curve
        is a view into the products' array, shifted by one round when round 1 is apart."""
        size, turns, rows = self._blocks(max(1, length - self.skip))
        columns = np.empty((self.count, self.x.shape[1], size))  # R^j 1
        columns[:, :, 0] = 1.0
        for i in range(size.bit_length() - 1):
            done = 1 << i
            np.matmul(self.power(i), columns[:, :, :done], out=columns[:, :, done : 2 * done])
        count = len(rows)
        products = np.empty((count, turns + 1, size))
        np.matmul(rows, columns, out=products[:, 1:])
        products[:, 0, -1] = 1.0  # P(T > 0), just before the first product when round 1 is apart
        first = size - self.skip
        return products.reshape(count, -1)[:, first : first + length]


def _visits_discounted(chain: _Chain, w: float) -> np.ndarray:
    """v0 (I - wQ)^(-1) for every chain."""
    Q = chain.transitions()
    count, states, _ = Q.shape
    start = np.zeros((count, states, 1))
    start[np.arange(count), chain.start, 0] = 1.0
    system = np.eye(states) - w * Q
    return np.linalg.solve(system.transpose(0, 2, 1), start)[..., 0]
