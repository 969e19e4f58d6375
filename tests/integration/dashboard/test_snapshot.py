"""The dashboard's snapshot: published by every dbt build, never in a build's way."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from crm_elt.dashboard.queries import people_totals
from crm_elt.dashboard.snapshot import SnapshotMissing, open_snapshot, snapshot_path
from crm_elt.dbt_runner import build
from crm_elt.warehouse import RawRecord, open_warehouse, write_records
from tests.conftest import log_every_source


def load_contact(settings, record_id: str, email: str, load_id: str) -> None:
    created = "2026-01-05T10:00:00.000Z"
    payload = {
        "id": record_id,
        "properties": {
            "createdate": created,
            "lastmodifieddate": created,
            "firstname": f"Pessoa{record_id}",
            "email": email,
        },
        "archived": False,
    }
    with open_warehouse(settings) as con:
        write_records(
            con,
            source="hubspot",
            entity="contacts",
            records=[RawRecord(record_id, datetime(2026, 1, 5, 10), payload)],
            load_id=load_id,
        )
        log_every_source(con, load_id)


def test_no_snapshot_before_the_first_build_is_said_plainly(settings):
    with pytest.raises(SnapshotMissing, match="make run"), open_snapshot(settings):
        pass


def test_a_build_succeeds_while_a_reader_holds_the_snapshot_and_replaces_it(settings):
    load_contact(settings, "1", "ana@example.com", "l1")
    build(settings)
    with open_snapshot(settings) as con:
        assert people_totals(con).golden_contacts == 1

    load_contact(settings, "2", "bia@example.com", "l2")
    # What a dashboard query in progress holds: a read-only connection to the snapshot.
    with duckdb.connect(str(snapshot_path(settings)), read_only=True) as reader:
        build(settings)
        assert reader.execute("select count(*) from marts.dim_contacts").fetchall() == [(1,)]

    with open_snapshot(settings) as con:
        assert people_totals(con).golden_contacts == 2
    # The warehouse itself was never locked by the reader: a writer opens it at once.
    with open_warehouse(settings) as con:
        assert con.execute("select count(*) from marts.dim_contacts").fetchall() == [(2,)]
    assert not list(snapshot_path(settings).parent.glob(".*.partial"))
