"""The generator's ManyChat exports, a Portuguese and a Spanish account's among them, load every
row with the subscriber's real moments in UTC."""

from __future__ import annotations

import io
import json
import shutil

import pandas as pd
import pytest

from crm_elt.dataset import sandbox_path
from crm_elt.fakedata.outputs import MANYCHAT_DAY_FIRST_EXPORTS, MANYCHAT_EXPORTS
from crm_elt.sources import manychat
from crm_elt.warehouse import new_load_id, open_warehouse
from tests.conftest import make_settings

EXPORTS = {
    file_name: (encoding, delimiter) for file_name, encoding, delimiter, _ in MANYCHAT_EXPORTS
}


@pytest.fixture(scope="module")
def loaded(small_dataset, tmp_path_factory):
    settings = make_settings(tmp_path_factory.mktemp("generated") / "data")
    shutil.copytree(small_dataset / "input" / "manychat", settings.manychat_input_dir)
    manychat.extract(settings, load_id=new_load_id())
    subscribers = pd.read_parquet(sandbox_path(small_dataset, "manychat_subscribers.parquet"))
    return settings, subscribers.astype({"id": str}).set_index("id")


def utc_minute(moments: pd.Series) -> pd.Series:
    """The API's W3C datetimes with offset, in UTC to the minute, as the importer writes them."""
    parsed = pd.to_datetime(moments, utc=True, format="ISO8601")
    return parsed.dt.floor("min").dt.strftime("%Y-%m-%dT%H:%M:%SZ").where(moments.notna())


@pytest.mark.parametrize("file_name", sorted(MANYCHAT_DAY_FIRST_EXPORTS))
def test_day_first_export_loads_every_row_with_the_right_utc_times(
    small_dataset, loaded, file_name
):
    settings, subscribers = loaded
    encoding, delimiter = EXPORTS[file_name]
    data = (small_dataset / "input" / "manychat" / file_name).read_bytes()
    if encoding == "utf-8-sig":
        assert data.startswith(b"\xef\xbb\xbf")
    written = pd.read_csv(io.BytesIO(data), sep=delimiter, encoding=encoding, dtype=str)
    with open_warehouse(settings, read_only=True) as con:
        counted = con.execute(
            "select rows_loaded, rows_quarantined from _elt.loaded_files where file_name = ?",
            [file_name],
        ).fetchall()
        records = con.execute(
            "select record_key, record from raw_manychat.subscribers "
            "where record ->> '_source_file' = ?",
            [file_name],
        ).fetchall()
    assert counted == [(len(written), 0)]
    loaded_rows = {key: json.loads(record) for key, record in records}
    assert len(loaded_rows) == len(written)
    truth = subscribers.loc[list(loaded_rows)]
    expected_subscribed = utc_minute(truth["subscribed"])
    expected_last = utc_minute(truth["last_interaction"])
    day_first_seen = False
    for key, record in loaded_rows.items():
        assert record["_date_order"] == "day_first"
        assert record["_utc"]["subscribed_at"] == expected_subscribed[key]
        assert record["_utc"].get("last_interaction_at") == (
            None if pd.isna(expected_last[key]) else expected_last[key]
        )
        day_first_seen |= int(record["subscribed_at"][:2]) > 12
    assert day_first_seen  # the file really writes dd/mm/yyyy


def test_every_generated_export_loads_whole(small_dataset, loaded):
    settings, subscribers = loaded
    with open_warehouse(settings, read_only=True) as con:
        counted = dict(
            con.execute(
                "select file_name, rows_loaded + rows_quarantined from _elt.loaded_files"
            ).fetchall()
        )
        missing_times = con.execute(
            "select count(*) from raw_manychat.subscribers "
            "where (record -> '_utc' ->> 'subscribed_at') is null"
        ).fetchall()
    assert set(counted) == set(EXPORTS)
    assert sum(counted.values()) == len(subscribers)
    assert missing_times == [(0,)]
