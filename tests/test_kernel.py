"""The round rules in powergame.kernel, on numbers worked out by hand, as floats and as arrays."""

from __future__ import annotations

import numpy as np
import pytest

from powergame import kernel


def test_outcome_index_puts_a_first():
    assert [kernel.outcome_index(a, b) for a in (0, 1) for b in (0, 1)] == [0, 1, 2, 3]
    assert kernel.OUTCOMES[kernel.outcome_index(1, 0)] == "DC"
    np.testing.assert_array_equal(kernel.outcome_index(np.array([1, 0]), np.array([1, 1])), [3, 1])


def test_b_sees_cd_and_dc_swapped():
    # B's own (R, S, T, P) = (4, -1, 6, 2); from A's side CD means B withheld on A's C: B gets T = 6.
    assert kernel.seen_by_b((4.0, -1.0, 6.0, 2.0)) == (4.0, 6.0, -1.0, 2.0)
    assert [kernel.AS_SEEN_BY_B[kernel.AS_SEEN_BY_B[i]] for i in range(4)] == [0, 1, 2, 3]


@pytest.mark.parametrize(
    ("intended", "noise", "played"), [(1.0, 0.1, 0.9), (0.0, 0.1, 0.1), (0.5, 0.3, 0.5), (0.8, 0.0, 0.8)]
)
def test_played_cooperation_under_noise(intended, noise, played):
    assert kernel.played_cooperation(intended, noise) == pytest.approx(played)


def test_round_payoff_splits_by_stake():
    # stake 0.25 of T = 5, the rest at v = 2: 1.25 + 1.5
    assert kernel.round_payoff(0.25, 5.0, 2.0) == pytest.approx(2.75)
    assert kernel.round_payoff(1.0, 3.0, 123.0) == 3.0
    np.testing.assert_allclose(
        kernel.round_payoff(np.array([0.5, 1.0]), np.array([0.0, 1.0]), 2.0), [1.0, 1.0]
    )


def test_total_after_an_exit():
    # 3 rounds together earning 9, horizon 10, v = 1.5 for the 7 rounds after, exit cost 2 paid once
    assert kernel.total_over_horizon(9.0, 3, 10, 1.5, 2.0, True) == pytest.approx(17.5)
    assert kernel.total_over_horizon(9.0, 3, 10, 1.5, 2.0, False) == pytest.approx(19.5)
