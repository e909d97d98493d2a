"""Arrays reused from chunk to chunk of one thread (fresh large arrays cost page faults)."""

from __future__ import annotations

import threading
from typing import Any

import numpy as np

_WORKSPACE = threading.local()


_WORKSPACE_BYTES = 1 << 25  # arrays up to this size are kept for the next chunk


def _reused(name: str, shape: tuple[int, int], dtype: Any) -> np.ndarray:
    """An uninitialised array for the (rounds x matches) records of one chunk, reused by the
    next chunk of this thread: a fresh large array costs a page fault per 4 KiB page
    (a tenth of a tournament's time), a reused one none. Nothing returned to a caller
    may be a view of it."""
    size = shape[0] * shape[1]
    buffer: np.ndarray | None = getattr(_WORKSPACE, name, None)
    if buffer is None or buffer.dtype != np.dtype(dtype) or len(buffer) < size:
        buffer = np.empty(size, dtype=dtype)
        if buffer.nbytes <= _WORKSPACE_BYTES:
            setattr(_WORKSPACE, name, buffer)
    return buffer[:size].reshape(shape)
