"""StateTable.arrays: the table as read-only arrays, built once, not pickled."""

import pickle

import numpy as np
import pytest
from tables import memory_one

from powergame import StateTable

RING = StateTable.deterministic(
    cooperate=[1, 0, 1],
    stake=[1.0, 0.5, 1.0],
    leave=[[0, 0.5, 0, 1]] * 3,
    next_state=[[1] * 4, [2] * 4, [0] * 4],
)


def test_the_arrays_hold_the_fields():
    arrays = RING.arrays
    assert arrays.cooperate.tolist() == [1.0, 0.0, 1.0]
    assert arrays.stake.tolist() == [1.0, 0.5, 1.0]
    assert arrays.leave.tolist() == [[0.0, 0.5, 0.0, 1.0]] * 3
    assert arrays.transition.shape == (3, 4, 3)
    assert arrays.transition[1, 2].tolist() == [0.0, 0.0, 1.0]  # state 1 moves on to 2 after DC
    assert not arrays.lumpable  # the next state depends on the state, not only on the outcome
    assert not arrays.full_stake


def test_a_memory_one_table_is_lumpable_and_stakes_everything():
    arrays = memory_one(1.0, (0.9, 0.1, 0.8, 0.2)).arrays
    assert arrays.lumpable and arrays.full_stake


def test_the_arrays_are_built_once_and_read_only():
    assert RING.arrays is RING.arrays
    with pytest.raises(ValueError):
        RING.arrays.cooperate[0] = 0.5


def test_a_pickled_table_leaves_its_arrays_behind_and_rebuilds_them():
    table = memory_one(0.5, (1, 0, 1, 0))
    built = table.arrays
    copy = pickle.loads(pickle.dumps(table))
    assert "arrays" not in copy.__dict__ and copy == table
    np.testing.assert_array_equal(copy.arrays.transition, built.transition)
