"""String columns as Arrow arrays, built by vectorized kernels.

A million contacts as Python `str` objects cost both the time to make them one by one and
about 60 bytes each in memory; Arrow builds the same strings in C++ into one buffer. Dates
go through lookup tables: a few hundred distinct days and 86,400 seconds of a day cover
every timestamp, so formatting a column is a few `take`s and one join.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from string import Formatter

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

DAY_MS = 86_400_000

Piece = pa.Array | pa.ChunkedArray | str


def strings(values) -> pa.Array:
    """Python strings or a numpy array of them (None for null) as an Arrow string array."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if isinstance(values, pa.Array):
        return values if values.type == pa.string() else values.cast(pa.string())
    return pa.array(values, type=pa.string())


def concat(*pieces: Piece) -> pa.Array:
    """Element-wise concatenation of arrays and literal strings; null if any piece is null."""
    return pc.binary_join_element_wise(*pieces, "")


def decimal(values: np.ndarray) -> pa.Array:
    """Integers in decimal, as str() writes them."""
    return pc.cast(pa.array(np.asarray(values, dtype=np.int64)), pa.string())


def zero_padded(values: np.ndarray, width: int) -> pa.Array:
    return pc.utf8_lpad(decimal(values), width=width, padding="0")


def hexadecimal(values: np.ndarray) -> pa.Array:
    """Non-negative integers in lowercase hex without padding, like '%x'."""
    values = np.asarray(values, dtype=np.uint64)
    width = max(1, (int(values.max(initial=0)).bit_length() + 3) // 4)
    shifts = np.arange(4 * (width - 1), -1, -4, dtype=np.uint64)
    digits = ((values[:, None] >> shifts) & np.uint64(0xF)).astype(np.uint8)
    significant = np.maximum(width - _leading_zero_digits(digits), 1)
    keep = np.arange(width) >= (width - significant)[:, None]
    characters = np.frombuffer(b"0123456789abcdef", dtype=np.uint8)[digits[keep]]
    return from_utf8_parts(characters, significant)


def _leading_zero_digits(digits: np.ndarray) -> np.ndarray:
    nonzero = digits != 0
    first = nonzero.argmax(axis=1)
    return np.where(nonzero.any(axis=1), first, digits.shape[1])


def from_utf8_parts(data: np.ndarray, lengths: np.ndarray) -> pa.Array:
    """An Arrow string array from the UTF-8 bytes of all values back to back and their lengths."""
    offsets = np.zeros(len(lengths) + 1, dtype=np.int32)
    np.cumsum(lengths, out=offsets[1:])
    return pa.StringArray.from_buffers(
        len(lengths), pa.py_buffer(offsets), pa.py_buffer(np.ascontiguousarray(data))
    )


def take(pool: pa.Array, index: np.ndarray) -> pa.Array:
    return pool.take(pa.array(np.asarray(index, dtype=np.int64)))


def null_where(values: pa.Array, mask: np.ndarray) -> pa.Array:
    return pc.if_else(pa.array(np.asarray(mask, dtype=bool)), pa.scalar(None, values.type), values)


def patched(values: pa.Array, replacements: Sequence[tuple[np.ndarray, pa.Array]]) -> pa.Array:
    """`values` with the rows at each index replaced by the matching new values (later wins)."""
    replacements = [(np.asarray(index), new) for index, new in replacements if len(index)]
    if not replacements:
        return values
    position = np.arange(len(values), dtype=np.int64)
    start = len(values)
    for index, _ in replacements:
        position[index] = start + np.arange(len(index), dtype=np.int64)
        start += len(index)
    combined = pa.concat_arrays([values, *(strings(new) for _, new in replacements)])
    return combined.take(pa.array(position))


def mapped(values: pa.Array, mask: np.ndarray, function) -> pa.Array:
    """`values` with `function(value, row)` applied in Python to the chosen non-null rows.

    Only a small share of rows gets such a defect, so Python per row is cheap here.
    """
    rows = np.flatnonzero(mask)
    old = values.take(pa.array(rows)).to_pylist()
    new = [
        value if value is None else function(value, int(row))
        for value, row in zip(old, rows, strict=True)
    ]
    return patched(values, [(rows, pa.array(new, type=pa.string()))])


def render(template: str, **fields: pa.Array) -> pa.Array:
    """A `str.format` template filled element-wise from equally long string arrays."""
    pieces: list[Piece] = []
    for literal, name, _, _ in Formatter().parse(template):
        if literal:
            pieces.append(literal)
        if name is not None:
            pieces.append(fields[name])
    return concat(*pieces)


@cache
def _clock_table() -> pa.Array:
    """'HH:MM:SS' for each second of a day."""
    return pa.array(
        [
            f"{second // 3600:02d}:{second // 60 % 60:02d}:{second % 60:02d}"
            for second in range(86_400)
        ],
        type=pa.string(),
    )


@cache
def _millisecond_table() -> pa.Array:
    return pa.array([f".{value:03d}" for value in range(1000)], type=pa.string())


def _day_strings(days: np.ndarray) -> tuple[pa.Array, np.ndarray]:
    distinct, inverse = np.unique(days, return_inverse=True)
    labels = np.datetime_as_string(distinct.astype("datetime64[D]"), unit="D")
    return pa.array(labels.tolist(), type=pa.string()), inverse


def datetimes(epoch_ms: np.ndarray, suffix: str, milliseconds: bool) -> pa.Array:
    """'YYYY-MM-DDTHH:MM:SS[.mmm]' + suffix for each epoch millisecond (UTC wall clock)."""
    epoch_ms = np.asarray(epoch_ms, dtype=np.int64)
    days, in_day = np.divmod(epoch_ms, DAY_MS)
    day_labels, day_index = _day_strings(days)
    pieces: list[Piece] = [
        take(day_labels, day_index),
        "T",
        take(_clock_table(), in_day // 1000),
    ]
    if milliseconds:
        pieces.append(take(_millisecond_table(), in_day % 1000))
    if suffix:
        pieces.append(suffix)
    return concat(*pieces)


def iso_utc(epoch_ms: np.ndarray) -> pa.Array:
    """HubSpot's wire format for datetimes: 2024-09-11T13:27:39.356Z."""
    return datetimes(epoch_ms, "Z", milliseconds=True)


def csv_text(header: Sequence[str], columns: Sequence[Piece], delimiter: str, eol: str) -> bytes:
    """A CSV file in UTF-8, quoted as Python's csv.writer quotes (QUOTE_MINIMAL), null as empty.

    Like csv.writer, a cell is quoted when it holds the delimiter, a quote or a line break;
    unlike it, a lone carriage return is quoted too, whatever `eol` is. Takes at least two
    columns (csv.writer would quote a lone empty cell).
    """
    if len(columns) < 2:
        raise ValueError("csv_text writes at least two columns")
    cells = [_csv_cells(values, delimiter) for values in columns]
    lines = concat(pc.binary_join_element_wise(*cells, delimiter), eol)
    first = delimiter.join(_csv_cell(name, delimiter) for name in header) + eol
    return first.encode() + _joined_utf8(lines)


_CSV_SPECIAL = ('"', "\r", "\n")


def _csv_cells(values: Piece, delimiter: str) -> pa.Array:
    values = pc.fill_null(values, "")
    special = pc.match_substring(values, delimiter)
    for character in _CSV_SPECIAL:
        special = pc.or_(special, pc.match_substring(values, character))
    quoted = concat('"', pc.replace_substring(values, '"', '""'), '"')
    return pc.if_else(special, quoted, values)


def _csv_cell(value: str, delimiter: str) -> str:
    if any(character in value for character in (delimiter, *_CSV_SPECIAL)):
        return '"' + value.replace('"', '""') + '"'
    return value


def _joined_utf8(values: pa.Array | pa.ChunkedArray) -> bytes:
    """Every value of a string array without nulls, back to back, as UTF-8 bytes."""
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if values.null_count:
        raise ValueError("_joined_utf8 takes no nulls")
    if len(values) == 0:
        return b""
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)
    start, end = offsets[values.offset], offsets[values.offset + len(values)]
    return values.buffers()[2].to_pybytes()[start:end]
