"""The object store: one object type's records, sorted by id, as pandas and Arrow.

Search keys (`comparable`) and the unique-value index of batch read's `idProperty` live here
too, since both are views of the records.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

from crm_elt.dataset import HUBSPOT_RECORD_COLUMNS, sandbox_path
from crm_elt.sandbox.hubspot.object_types import OBJECT_TYPES

DATE_PROPERTIES = {
    "createdate",
    "hs_createdate",
    "lastmodifieddate",
    "hs_lastmodifieddate",
    "closedate",
    "hs_timestamp",
}


def load_stores(data_dir: Path) -> dict[str, ObjectStore]:
    """Every standard object type's store: its dataset table, or empty when there is none."""
    stores = {}
    for object_type in OBJECT_TYPES:
        path = sandbox_path(data_dir, f"hubspot_{object_type.name}.parquet")
        frame = (
            pd.read_parquet(path)
            if path.is_file()
            else pd.DataFrame(columns=list(HUBSPOT_RECORD_COLUMNS))
        )
        stores[object_type.name] = ObjectStore(prepare_frame(frame))
    return stores


class ObjectStore:
    """One object type: records sorted by numeric id, properties as string columns.

    The sorted positions of live and archived records are cached, so a list page costs a
    binary search and a slice rather than a scan; any change to `archived` must `invalidate()`.
    """

    def __init__(self, frame: pd.DataFrame):
        self._frame = frame  # index: int id, sorted; columns: record columns + properties
        self._positions: dict[bool, tuple[np.ndarray, np.ndarray]] | None = None
        self._comparables: dict[str, pd.Series] = {}
        self._arrow: pa.Table | None = None

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame

    @frame.setter
    def frame(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self.invalidate()

    def invalidate(self) -> None:
        """Call after any write: cached positions and search keys are rebuilt on demand."""
        self._positions = None
        self._comparables = {}
        self._arrow = None

    def comparable(self, name: str) -> pd.Series:
        """Search keys of one property (dates as epoch ms, numbers as floats), cached."""
        if name not in self._comparables:
            self._comparables[name] = comparable(self._frame, name)
        return self._comparables[name]

    def ids_and_positions(self, archived: bool) -> tuple[np.ndarray, np.ndarray]:
        """(sorted ids, their row positions) of the live or the archived records."""
        if self._positions is None:
            flags = self._frame["archived"].to_numpy(dtype=bool)
            ids = self._frame.index.to_numpy()
            self._positions = {
                value: (ids[flags == value], np.flatnonzero(flags == value))
                for value in (False, True)
            }
        return self._positions[archived]

    @property
    def property_names(self) -> list[str]:
        return [column for column in self.frame.columns if column not in HUBSPOT_RECORD_COLUMNS]

    def rows(self, positions: np.ndarray, columns: list[str] | None = None) -> list[dict]:
        """The records at `positions` as dicts of Python values (missing values None).

        Cut from an Arrow copy of the frame, made once per change: converting a page's rows
        in C costs a fraction of pandas' per-value boxing.
        """
        if self._arrow is None:
            self._arrow = pa.Table.from_pandas(self._frame, preserve_index=False)
        table = self._arrow
        if columns is not None:
            table = table.select([name for name in columns if name in table.column_names])
        return table.take(pa.array(positions, type=pa.int64())).to_pylist()


def prepare_frame(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["id"] = frame["id"].astype("int64") if len(frame) else frame["id"]
    frame = frame.set_index("id", drop=True).sort_index()
    frame.index.name = None
    for column in ("archived",):
        if column not in frame.columns:
            frame[column] = False
        frame[column] = frame[column].fillna(False).astype(bool)
    for column in ("created_at", "updated_at", "archived_at"):
        if column not in frame.columns:
            frame[column] = None
        frame[column] = frame[column].astype("object")
    for column in frame.columns:
        if column not in HUBSPOT_RECORD_COLUMNS:
            frame[column] = frame[column].astype("object")
    return frame


def comparable(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in ("hs_object_id", "id"):
        return pd.Series(frame.index.to_numpy(), index=frame.index)
    if name not in frame.columns:
        return pd.Series(None, index=frame.index, dtype="object")
    column = frame[name]
    if name in DATE_PROPERTIES:
        parsed = pd.to_datetime(column, utc=True, errors="coerce", format="ISO8601")
        return (parsed.astype("int64") // 1_000_000).where(parsed.notna())
    numeric = pd.to_numeric(column, errors="coerce")
    if numeric.notna().sum() == column.notna().sum() and column.notna().any():
        return numeric
    return column


def ids_by_unique_value(frame: pd.DataFrame, id_property: str) -> dict[str, int]:
    """Live record id by the value of a unique property (batch read's `idProperty`)."""
    if id_property not in frame.columns:
        return {}
    live = frame.loc[~frame["archived"].astype(bool), id_property].dropna()
    return {str(value): int(record_id) for record_id, value in live.items()}
