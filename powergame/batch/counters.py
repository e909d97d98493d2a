"""Packed cooperation counters and outcome indexing shared by the batch engine's programs."""

from __future__ import annotations

import numpy as np

from powergame import kernel

_COUNT_BITS = 21  # cooperation counters are packed in one int64: A, B, mutual


_COUNT_MASK = (1 << _COUNT_BITS) - 1


MAX_HORIZON = _COUNT_MASK  # the longest match the batch engine plays (its counters are packed)


# By outcome CC, CD, DC, DD (A's action first): the packed counter increments, and the
# index of the same outcome as B sees it (B's action first).
_OUTCOME_COUNTS = np.array([1 + (1 << _COUNT_BITS) + (1 << (2 * _COUNT_BITS)), 1, 1 << _COUNT_BITS, 0])


_AS_SEEN_BY_B = np.array(kernel.AS_SEEN_BY_B)
