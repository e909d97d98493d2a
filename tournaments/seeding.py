"""Match seeds: match i of a tournament gets word i of
``numpy.random.SeedSequence(master).generate_state(count, dtype=uint64)``.

``match_seeds`` computes any slice of those words directly (SeedSequence's output word j
depends only on j and the entropy pool), so a chunk gets its seeds without the whole
array: memory and start-up time do not grow with the number of matches.
"""

from __future__ import annotations

import numpy as np

# numpy's SeedSequence.generate_state constants (numpy/random/bit_generator.pyx)
_INIT_B = 0x8B51F9DD
_MULT_B = 0x58F38DED
_XSHIFT = 16
SEED_MASK = (1 << 63) - 1  # seeds are stored as signed 64-bit integers


def _words(pool: np.ndarray, start: int, stop: int) -> np.ndarray:
    """32-bit words [start, stop) of generate_state (as uint32)."""
    count = stop - start
    if count <= 0:
        return np.zeros(0, dtype=np.uint32)
    factors = np.full(count, _MULT_B, dtype=np.uint32)
    factors[0] = (_INIT_B * pow(_MULT_B, start, 1 << 32)) % (1 << 32)
    with np.errstate(over="ignore"):
        hashes = np.multiply.accumulate(factors, dtype=np.uint32)  # the hash constant before word j
        mixed: np.ndarray = pool[np.arange(start, stop, dtype=np.int64) % len(pool)] ^ hashes
        mixed = mixed * (hashes * np.uint32(_MULT_B))
        mixed = mixed ^ (mixed >> np.uint32(_XSHIFT))
    return mixed


def match_seeds(master: int, start: int, stop: int) -> list[int]:
    """The seeds of matches [start, stop) of a tournament with master seed ``master``."""
    pool = np.asarray(np.random.SeedSequence(master).pool, dtype=np.uint32)
    words = _words(pool, 2 * start, 2 * stop)
    seeds = words.astype("<u4").view("<u8").astype(np.uint64)
    return [int(seed) & SEED_MASK for seed in seeds]
