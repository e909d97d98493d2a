"""Per-match random streams: every random number of a match, from its seed alone.

A draw is addressed, not consumed: the 64 random bits for (match seed, round, purpose)
are ``mix64(key + n * GAMMA)`` with ``key = match_key(seed)`` and ``n = 4 * round +
purpose + 1`` (SplitMix64 read at position n, a counter-based generator). The low 32 bits
serve role A and the high 32 bits role B. So a match's draws do not depend on which
other matches are played alongside it, in what order, or in which engine: the Python
engine, the batch engine and any later engine read the same numbers.

Purposes (round t = 1, 2, ...): ``CHOICE`` the random choice of the action of round t,
``NOISE`` the noise flips of round t, ``LEAVE`` the random choice to leave after round
t, ``MOVE`` the random next state of a state table after round t. Round 0 ``CHOICE``
draws the continuation length. A random choice of probability p happens when the 32-bit
uniform is below ``threshold(p) = round(p * 2^32)`` (0 never, 2^32 always).

A player's own ``rng`` (``StreamRandom``) is a counter-based ``random.Random`` keyed by the
match seed and the role: its n-th number does not depend on any other match either.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported by the vectorized functions only (the CLI starts without it)
    import numpy as np

CHOICE, NOISE, LEAVE, MOVE = 0, 1, 2, 3
PURPOSES = 4
HORIZON_ROUND = 0  # round 0, purpose CHOICE: the continuation length

GAMMA = 0x9E3779B97F4A7C15
_M1 = 0xBF58476D1CE4E5B9
_M2 = 0x94D049BB133111EB
MASK64 = (1 << 64) - 1
MASK32 = (1 << 32) - 1
SCALE32 = 1 << 32
_KEY_SALT = 0x5851F42D4C957F2D  # keeps key(seed) apart from mix64(seed) used elsewhere
_ROLE_SALTS = (0xD1B54A32D192ED03, 0x8CB92BA72F3D8DD7)  # a player's own rng, by role


def mix64(z: int) -> int:
    """SplitMix64's output function (Stafford's Mix13): 64 bits in, 64 well-mixed bits out."""
    z = ((z ^ (z >> 30)) * _M1) & MASK64
    z = ((z ^ (z >> 27)) * _M2) & MASK64
    return z ^ (z >> 31)


def match_key(seed: int) -> int:
    """The 64-bit key of a match seed (any whole number >= 0)."""
    if seed >> 64:
        return mix64(match_key(seed >> 64) ^ (seed & MASK64))
    return mix64(seed ^ _KEY_SALT)


def bits(key: int, round_number: int, purpose: int) -> int:
    """The 64 random bits of (key, round, purpose): A's uniform is the low half, B's the high."""
    return mix64((key + (PURPOSES * round_number + purpose + 1) * GAMMA) & MASK64)


def uniform32(key: int, round_number: int, purpose: int, role: int) -> int:
    """The 32-bit uniform of role 0 (A) or 1 (B) at (round, purpose)."""
    z = bits(key, round_number, purpose)
    return z >> 32 if role else z & MASK32


def threshold(p: float) -> int:
    """A probability as a count of the 2^32 values of a 32-bit uniform: the event happens
    when the uniform is below it."""
    return round(p * SCALE32)


def chance(key: int, round_number: int, purpose: int, role: int, p: float) -> bool:
    """True with probability ``p`` (a sure event, p of 0 or 1, costs no hashing)."""
    if p >= 1.0:
        return True
    if p <= 0.0:
        return False
    return uniform32(key, round_number, purpose, role) < threshold(p)


def cumulative_thresholds(dist: Sequence[float]) -> tuple[int, ...]:
    """Thresholds of a distribution over states: state k is drawn when the uniform is below
    T_k and not below T_(k-1). From the last state of positive probability on, T = 2^32, so
    rounding never sends a draw past it."""
    acc = 0.0
    out = []
    last = max(k for k, p in enumerate(dist) if p > 0.0)
    for k, p in enumerate(dist):
        acc += p
        out.append(SCALE32 if k >= last else threshold(acc))
    return tuple(out)


def pick(thresholds: Sequence[int], uniform: int) -> int:
    """The state a 32-bit uniform draws from ``cumulative_thresholds``: the first T_k above it."""
    for k, limit in enumerate(thresholds):
        if uniform < limit:
            return k
    return len(thresholds) - 1  # not reached: the last threshold is 2^32


def horizon_uniform(key: int) -> float:
    """The uniform in [0, 1) from which the continuation length is drawn (53 bits)."""
    return (bits(key, HORIZON_ROUND, CHOICE) >> 11) * (1.0 / (1 << 53))


# --- vectorized (numpy): the same numbers for many matches at once --------------------------
def mix64_array(z: np.ndarray, scratch: np.ndarray | None = None) -> np.ndarray:
    """``mix64`` of every entry of a uint64 array, in place (uint64 products wrap mod 2^64)."""
    import numpy as np

    tmp = np.empty_like(z) if scratch is None else scratch
    np.right_shift(z, np.uint64(30), out=tmp)
    z ^= tmp
    z *= np.uint64(_M1)
    np.right_shift(z, np.uint64(27), out=tmp)
    z ^= tmp
    z *= np.uint64(_M2)
    np.right_shift(z, np.uint64(31), out=tmp)
    z ^= tmp
    return z


def match_keys(seeds: Sequence[int]) -> np.ndarray:
    """``match_key`` of every seed, as a uint64 array."""
    import numpy as np

    try:
        raw = np.array(seeds, dtype=np.uint64) if len(seeds) else np.zeros(0, dtype=np.uint64)
    except OverflowError:  # a seed of 2^64 or more
        return np.array([match_key(seed) for seed in seeds], dtype=np.uint64)
    raw ^= np.uint64(_KEY_SALT)
    return mix64_array(raw)


def offset(round_number: int, purpose: int) -> np.uint64:
    """What ``bits`` adds to a key for (round, purpose), as a numpy scalar."""
    import numpy as np

    return np.uint64(((PURPOSES * round_number + purpose + 1) * GAMMA) & MASK64)


def bits_array(
    keys: np.ndarray, round_number: int, purpose: int, out: np.ndarray, scratch: np.ndarray
) -> np.ndarray:
    """``bits`` of every key at (round, purpose) into ``out`` (uint64, same length); viewed
    as ``out.view(np.uint32).reshape(-1, 2)`` column 0 is A's uniform, column 1 B's."""
    import numpy as np

    np.add(keys, offset(round_number, purpose), out=out)
    return mix64_array(out, scratch)


def bits_block(
    keys: np.ndarray, rounds: np.ndarray, purposes: np.ndarray, out: np.ndarray, scratch: np.ndarray
) -> np.ndarray:
    """``bits`` of every key at (rounds[r, p], purposes[p]) into ``out``, shaped
    (len(rounds), len(purposes), len(keys)): many rounds and purposes in a few calls."""
    import numpy as np

    counter = np.uint64(PURPOSES) * rounds.astype(np.uint64) + (purposes.astype(np.uint64) + np.uint64(1))
    counter *= np.uint64(GAMMA)  # wraps mod 2^64, as in ``bits``
    np.add(keys[None, None, :], counter[:, :, None], out=out)
    return mix64_array(out, scratch)


def horizon_uniforms(keys: np.ndarray) -> np.ndarray:
    """``horizon_uniform`` of every key."""
    import numpy as np

    z = bits_array(keys, HORIZON_ROUND, CHOICE, np.empty_like(keys), np.empty_like(keys))
    return (z >> np.uint64(11)).astype(np.float64) * (1.0 / (1 << 53))


# --- a player's own generator ---------------------------------------------------------------
class StreamRandom(random.Random):
    """A ``random.Random`` whose n-th number is ``mix64(key + n * GAMMA)`` (counter-based):
    ``random()`` uses its top 53 bits, ``getrandbits`` as many 64-bit words as it needs.
    ``seed(x)`` re-keys it from any int, str or bytes and restarts the count."""

    def __init__(self, x: int | str | bytes | None = 0) -> None:
        self._key = 0
        self._count = 0
        super().__init__(x)

    def seed(self, a: object = None, version: int = 2) -> None:  # type: ignore[override]
        if a is None:
            a = random.SystemRandom().getrandbits(64)
        if isinstance(a, int) and not isinstance(a, bool):
            key = match_key(abs(a))
        else:
            data = a.encode() if isinstance(a, str) else bytes(a)  # type: ignore[call-overload]
            key = int.from_bytes(hashlib.blake2b(data, digest_size=8).digest(), "little")
        self._key = key
        self._count = 0

    def _next64(self) -> int:
        self._count += 1
        return mix64((self._key + self._count * GAMMA) & MASK64)

    def random(self) -> float:
        return (self._next64() >> 11) * (1.0 / (1 << 53))

    def getrandbits(self, k: int) -> int:
        if k < 0:
            raise ValueError("number of bits must be non-negative")
        value, have = 0, 0
        while have < k:
            value |= self._next64() << have
            have += 64
        return value & ((1 << k) - 1)

    def getstate(self) -> tuple[int, int]:  # type: ignore[override]
        return (self._key, self._count)

    def setstate(self, state: tuple[int, int]) -> None:  # type: ignore[override]
        self._key, self._count = state


def player_rng(seed: int, role: int) -> StreamRandom:
    """The counter-based generator of the player in ``role`` of the match ``seed``."""
    rng = StreamRandom()
    rng._key = mix64(match_key(seed) ^ _ROLE_SALTS[role])
    return rng
