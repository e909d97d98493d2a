"""A per-match time limit: a strategy that never returns stops its match instead of
hanging a whole tournament.

``set_match_time_limit(seconds)`` sets the limit for this process (0: none);
``play_match`` then arms a timer (``SIGALRM``) around each match and raises
``MatchTimeLimitError`` naming the pairing when it goes off. The timer needs the main
thread of a process with POSIX signals; elsewhere matches run without a limit.
"""

from __future__ import annotations

import contextlib
import math
import signal
import threading
from collections.abc import Iterator

from powergame.errors import ParameterError

DEFAULT_MATCH_TIMEOUT = 60.0  # seconds per match in tournament runs
_limit = 0.0


class Expired(BaseException):
    """Raised inside the match when its time is up (a BaseException, so that a strategy's
    ``except Exception`` does not swallow it)."""


def check_timeout(seconds: object) -> float:
    """``seconds`` as a limit: a number >= 0 (0: no limit), else ParameterError."""
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
        raise ParameterError("--match-timeout", seconds, "must be a number of seconds >= 0 (0: no limit)")
    if math.isinf(seconds):
        return 0.0
    return float(seconds)


def match_time_limit() -> float:
    """The limit in force (0: none)."""
    return _limit


def set_match_time_limit(seconds: float) -> float:
    """Set this process's per-match limit (0: none); returns the previous one."""
    global _limit
    previous, _limit = _limit, check_timeout(seconds)
    return previous


@contextlib.contextmanager
def limited(seconds: float) -> Iterator[None]:
    """Within the block the per-match limit is ``seconds``."""
    previous = set_match_time_limit(seconds)
    try:
        yield
    finally:
        set_match_time_limit(previous)


def can_arm() -> bool:
    """Whether a timer can interrupt this thread."""
    return hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()


def _expire(signum: int, frame: object) -> None:
    raise Expired


@contextlib.contextmanager
def alarm(seconds: float) -> Iterator[None]:
    """Raise ``Expired`` in this (main) thread once ``seconds`` have passed."""
    previous = signal.signal(signal.SIGALRM, _expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
