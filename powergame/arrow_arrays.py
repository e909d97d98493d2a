"""Arrow arrays from numpy and back, straight from and to their buffers.

``pyarrow.array`` and ``Array.to_numpy`` import pandas whenever it is installed (their
pandas bridge checks every input), which costs a whole-process run about 0.4 s of CPU.
These two do the same for the column types of the match record (int64, float64, bool,
string and list<float64>) without it: what a run that writes and summarises its table
needs, and nothing that reads it as a DataFrame.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pyarrow as pa

_NUMBERS = {pa.int64(): np.int64, pa.float64(): np.float64, pa.int32(): np.int32}


def _validity(present: np.ndarray) -> pa.Buffer | None:
    return None if bool(present.all()) else pa.py_buffer(np.packbits(present, bitorder="little"))


def array(values: Sequence[Any] | np.ndarray, kind: pa.DataType, mask: np.ndarray | None = None) -> pa.Array:
    """``pa.array(values, kind, mask=mask)`` for int64, float64, bool and string (``None``
    in a string column, and ``mask`` True, are nulls; NaN stays a number, as in
    ``pa.array``)."""
    count = len(values)
    present = np.ones(count, dtype=bool) if mask is None else ~np.asarray(mask, dtype=bool)
    if pa.types.is_string(kind):
        items = values.tolist() if isinstance(values, np.ndarray) else list(values)
        present &= np.array(items, dtype=object) != None  # noqa: E711 (elementwise)
        if mask is not None:
            items = [item if keep else None for item, keep in zip(items, present.tolist())]
        known: dict[Any, bytes] = {None: b""}  # a column repeats a few names: encode each once
        encoded = [known[item] if item in known else known.setdefault(item, item.encode()) for item in items]
        offsets = np.zeros(count + 1, dtype=np.int32)
        np.cumsum(np.fromiter(map(len, encoded), dtype=np.int32, count=count), out=offsets[1:])
        buffers = [_validity(present), pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
    elif pa.types.is_boolean(kind):
        bits = np.packbits(np.asarray(values, dtype=bool), bitorder="little")
        buffers = [_validity(present), pa.py_buffer(bits)]
    elif kind in _NUMBERS:
        data = np.ascontiguousarray(values, dtype=_NUMBERS[kind])
        buffers = [_validity(present), pa.py_buffer(data)]
    else:
        raise TypeError(f"no buffer conversion for Arrow type {kind}")
    return pa.Array.from_buffers(kind, count, buffers, null_count=count - int(present.sum()))


def gathered_strings(names: Sequence[str], indices: np.ndarray) -> pa.Array:
    """A string array (no nulls) whose item ``i`` is ``names[indices[i]]``: each name is
    encoded once and the bytes are gathered by numpy, with no Python work per item."""
    encoded = [name.encode() for name in names]
    lengths = np.fromiter(map(len, encoded), dtype=np.int64, count=len(encoded))
    starts = np.zeros(len(encoded), dtype=np.int64)
    np.cumsum(lengths[:-1], out=starts[1:])
    blob = np.frombuffer(b"".join(encoded), dtype=np.uint8)
    chosen = np.asarray(indices, dtype=np.intp)
    sizes = lengths[chosen]
    offsets = np.zeros(len(chosen) + 1, dtype=np.int64)
    np.cumsum(sizes, out=offsets[1:])
    if offsets[-1] > np.iinfo(np.int32).max:
        raise ValueError("more than 2 GiB of text in one string array")
    item_of_byte = np.repeat(np.arange(len(chosen)), sizes)
    source = starts[chosen][item_of_byte] + np.arange(offsets[-1]) - offsets[:-1][item_of_byte]
    buffers = [None, pa.py_buffer(offsets.astype(np.int32)), pa.py_buffer(blob[source])]
    return pa.Array.from_buffers(pa.string(), len(chosen), buffers, null_count=0)


def list_array(offsets: np.ndarray, values: np.ndarray) -> pa.Array:
    """A list<float64> array: list ``i`` is ``values[offsets[i]:offsets[i + 1]]``."""
    return pa.ListArray.from_arrays(
        array(np.asarray(offsets, dtype=np.int32), pa.int32()), array(values, pa.float64())
    )


def one_array(column: pa.ChunkedArray | pa.Array) -> pa.Array:
    """The column as one Array: its only chunk as it is (``combine_chunks`` copies even a
    single chunk: 42 MB for the survival curves of an exact run of 26,244 pairings)."""
    if not isinstance(column, pa.ChunkedArray):
        return column
    return column.chunk(0) if column.num_chunks == 1 else column.combine_chunks()


def to_numpy(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """The values of an int64, int32, float64, bool or string column as numpy, as
    ``to_numpy(zero_copy_only=False)`` gives them: numbers with nulls as float with NaN,
    strings (and booleans with nulls) as objects with None."""
    if isinstance(column, pa.ChunkedArray) and column.num_chunks > MANY_CHUNKS:
        column = column.combine_chunks()  # one copy in C++ instead of a conversion per chunk
    kind = column.type
    if pa.types.is_string(kind) and len(column) >= ENCODED_TEXT_ROWS:
        return _encoded_texts(column)
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    parts = [_chunk_to_numpy(chunk) for chunk in chunks]
    if not parts:
        return np.zeros(0, dtype=object if pa.types.is_string(kind) else _NUMBERS.get(kind, bool))
    if len(parts) == 1:
        return parts[0]
    if any(part.dtype != parts[0].dtype for part in parts):
        common = object if any(part.dtype == object for part in parts) else np.float64
        return np.concatenate([part.astype(common) for part in parts])
    return np.concatenate(parts)


def _bits(buffer: pa.Buffer, start: int, count: int) -> np.ndarray:
    unpacked = np.unpackbits(np.frombuffer(buffer, dtype=np.uint8), bitorder="little", count=start + count)
    return unpacked[start:].astype(bool)


# From this many rows a text column is decoded by Arrow's dictionary encoding (in C++): 5
# times faster than slicing every row in Python, which a run's large tables repeat for every
# text column.
ENCODED_TEXT_ROWS = 20_000


def _dictionary_encoded(column: Any) -> Any:
    """``column.dictionary_encode()`` called through Arrow's compute core: the method imports
    ``pyarrow.compute``, whose Python wrappers of every function cost a run 0.03-0.04 s."""
    try:
        from pyarrow._compute import call_function
    except ImportError:  # a pyarrow without the module: the public method
        return column.dictionary_encode()
    return call_function("dictionary_encode", [column])


def _encoded_texts(column: pa.ChunkedArray | pa.Array) -> np.ndarray:
    """A text column as objects: each distinct text decoded once, every row a reference to
    its text (None for a null)."""
    words, codes = text_codes(column)
    found = np.empty(len(words), dtype=object)
    found[:] = words
    return found[codes]


def _chunk_to_numpy(chunk: pa.Array) -> np.ndarray:
    kind, count, start = chunk.type, len(chunk), chunk.offset
    buffers = chunk.buffers()
    present = None if chunk.null_count == 0 or buffers[0] is None else _bits(buffers[0], start, count)
    if pa.types.is_null(kind) or chunk.null_count == count:
        return np.full(count, np.nan) if kind in _NUMBERS else np.full(count, None, dtype=object)
    if pa.types.is_string(kind):
        offsets = np.frombuffer(buffers[1], dtype=np.int32, count=count + 1, offset=4 * start)
        data = buffers[2].to_pybytes() if buffers[2] is not None else b""
        bounds = offsets.tolist()
        pieces = [data[low:high] for low, high in zip(bounds, bounds[1:])]
        decoded = {piece: piece.decode() for piece in set(pieces)}  # a few names, each once
        found = np.array([decoded[piece] for piece in pieces], dtype=object)
        if present is not None:
            found[~present] = None
        return found
    if pa.types.is_boolean(kind):
        values = _bits(buffers[1], start, count)
        if present is None:
            return values
        found = values.astype(object)
        found[~present] = None
        return found
    if kind in _NUMBERS:
        dtype = _NUMBERS[kind]
        values = np.frombuffer(buffers[1], dtype=dtype, count=count, offset=np.dtype(dtype).itemsize * start)
        if present is None:
            return values
        found = values.astype(float)
        found[~present] = np.nan
        return found
    raise TypeError(f"no buffer conversion for Arrow type {kind}")


# From this many chunks a column is combined into one array before it is read: a merged
# run's table has a chunk per 1,000 matches, and reading each costs more than the copy.
MANY_CHUNKS = 8


def is_positions(column: pa.ChunkedArray | pa.Array) -> bool:
    """Whether an integer column holds 0, 1, 2, ... in order, read chunk by chunk (no copy
    of the whole column)."""
    chunks = column.chunks if isinstance(column, pa.ChunkedArray) else [column]
    start = 0
    for chunk in chunks:
        if not pa.types.is_integer(chunk.type) or chunk.null_count:
            return False
        values = _chunk_to_numpy(chunk)
        if len(values) and not (
            values[0] == start and bool(np.all(values == np.arange(start, start + len(values))))
        ):
            return False
        start += len(values)
    return True


def is_text(kind: pa.DataType) -> bool:
    """Whether a column of this type holds texts (Arrow's string)."""
    return bool(pa.types.is_string(kind))


def text_codes(column: pa.ChunkedArray | pa.Array) -> tuple[list[Any], np.ndarray]:
    """A text column as its distinct texts (in order of first appearance, ``None`` last
    for nulls) and each row's index among them, from Arrow's dictionary encoding."""
    if isinstance(column, pa.ChunkedArray) and column.num_chunks > 1:
        # Encoded chunk by chunk, then joined (Arrow unifies the chunks' texts): the texts are
        # not copied into one array first, only the indices are (4 bytes a row).
        encoded = _dictionary_encoded(column).combine_chunks()
    else:
        encoded = _dictionary_encoded(one_array(column))
    indices, dictionary = encoded.indices, encoded.dictionary
    codes = np.frombuffer(indices.buffers()[1], dtype=np.int32, count=len(indices), offset=4 * indices.offset)
    words = dictionary.to_pylist()
    if indices.null_count:
        codes = np.where(_bits(indices.buffers()[0], indices.offset, len(indices)), codes, len(words))
        words.append(None)
    return words, codes
