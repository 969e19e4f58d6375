"""What the normalizers share about Arrow."""

from __future__ import annotations

import pyarrow as pa


def as_array(values) -> pa.Array:
    """One contiguous array: pyarrow.compute may hand back a chunked one, which a struct array
    (and DuckDB, from an Arrow function) does not take."""
    return values.combine_chunks() if isinstance(values, pa.ChunkedArray) else values
