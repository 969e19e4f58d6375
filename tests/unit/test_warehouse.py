import dataclasses
import multiprocessing
import shutil
from datetime import datetime

import duckdb
import pytest

from crm_elt.warehouse import (
    QuarantinedRow,
    RawRecord,
    WrongEnvironmentError,
    get_cursor,
    open_warehouse,
    quarantine_rows,
    reconcile_deletions,
    warehouse_session,
    write_records,
)


def contact(record_id: int, email: str = "a@example.com", day: int = 1) -> RawRecord:
    payload = {"id": str(record_id), "properties": {"email": email}}
    return RawRecord(str(record_id), datetime(2024, 1, day), payload)


def rows(con, table="raw_hubspot.contacts"):
    return con.execute(f"select record_key, record_hash from {table} order by 1, 2").fetchall()


def test_write_records_is_idempotent_and_keeps_versions(settings):
    with open_warehouse(settings) as con:
        first = write_records(
            con, source="hubspot", entity="contacts", records=[contact(1), contact(2)], load_id="a"
        )
        again = write_records(
            con, source="hubspot", entity="contacts", records=[contact(1), contact(2)], load_id="b"
        )
        changed = write_records(
            con,
            source="hubspot",
            entity="contacts",
            records=[contact(1, "new@example.com", day=2)],
            load_id="c",
        )
        assert (first, again, changed) == (2, 0, 1)
        assert len(rows(con)) == 3
        assert [key for key, _ in rows(con)] == ["1", "1", "2"]


def test_write_records_dedupes_within_one_batch(settings):
    with open_warehouse(settings) as con:
        inserted = write_records(
            con, source="hubspot", entity="contacts", records=[contact(1)] * 3, load_id="a"
        )
        assert inserted == 1


def test_write_records_commits_cursor_with_the_page(settings):
    with open_warehouse(settings) as con:
        write_records(
            con,
            source="hubspot",
            entity="contacts",
            records=[contact(1)],
            load_id="a",
            cursor={"after": "2"},
        )
        assert get_cursor(con, "hubspot", "contacts") == {"after": "2"}


def test_write_records_failure_leaves_neither_rows_nor_cursor(settings):
    record = RawRecord("9", None, {"email": "x@example.com"})
    with open_warehouse(settings) as con:
        con.execute("create schema raw_hubspot")
        con.execute("create table raw_hubspot.contacts (record_key varchar)")  # wrong shape
        with pytest.raises(duckdb.Error):
            write_records(
                con,
                source="hubspot",
                entity="contacts",
                records=[record],
                load_id="a",
                cursor={"after": "99"},
            )
        assert get_cursor(con, "hubspot", "contacts") is None
        assert con.execute("select count(*) from raw_hubspot.contacts").fetchall() == [(0,)]


def test_open_warehouse_refuses_another_environments_file(settings, prd_settings):
    with open_warehouse(prd_settings):
        pass
    with (
        pytest.raises(WrongEnvironmentError, match="prd"),
        open_warehouse(settings, database=prd_settings.warehouse_path),
    ):
        pass


def test_open_warehouse_refuses_a_prd_file_copied_into_dev(settings, prd_settings):
    with open_warehouse(prd_settings) as con:
        write_records(con, source="hubspot", entity="contacts", records=[contact(1)], load_id="p")
    settings.warehouse_path.parent.mkdir(parents=True)
    shutil.copy(prd_settings.warehouse_path, settings.warehouse_path)
    with (
        pytest.raises(WrongEnvironmentError, match="is the prd warehouse"),
        open_warehouse(settings) as con,
    ):
        write_records(con, source="hubspot", entity="contacts", records=[contact(2)], load_id="d")
    with open_warehouse(prd_settings, read_only=True) as con:
        assert rows(con) == [("1", rows(con)[0][1])]


def _open_read_write(path: str, queue) -> None:
    try:
        duckdb.connect(path).close()
        queue.put("ok")
    except duckdb.Error as exc:
        queue.put(str(exc))


def test_open_warehouse_releases_the_file_lock_on_exit(settings):
    with open_warehouse(settings) as con:
        write_records(con, source="hubspot", entity="contacts", records=[contact(1)], load_id="a")
    queue = multiprocessing.get_context("spawn").Queue()
    process = multiprocessing.get_context("spawn").Process(
        target=_open_read_write, args=(str(settings.warehouse_path), queue)
    )
    process.start()
    process.join(60)
    assert queue.get(timeout=5) == "ok"


def test_quarantine_rows_keeps_file_line_field_and_reason(settings):
    row = QuarantinedRow("manychat", "subscribers", "x.csv", 7, "email", "invalid email", "a;b")
    with open_warehouse(settings) as con:
        assert quarantine_rows(con, "load-1", [row]) == 1
        stored = con.execute(
            "select file_name, line_number, field, reason from _elt.quarantine"
        ).fetchall()
    assert stored == [("x.csv", 7, "email", "invalid email")]


def test_open_warehouse_read_only_does_not_create_files(settings):
    other = dataclasses.replace(settings, environment="hml")
    with pytest.raises(duckdb.Error), open_warehouse(other, read_only=True):
        pass
    assert not other.warehouse_path.exists()


def test_a_session_holds_the_warehouse_and_every_open_inside_it_shares_it(settings):
    with warehouse_session(settings):
        with open_warehouse(settings) as con:
            con.execute("create table held (n integer)")
            con.execute("insert into held values (1)")
        # Read-only inside a session is served by the held read-write connection.
        with open_warehouse(settings, read_only=True) as con:
            assert con.execute("select count(*) from held").fetchall() == [(1,)]
        # Nested: shares the held connection, does not reopen the file.
        with warehouse_session(settings), open_warehouse(settings) as con:
            con.execute("insert into held values (2)")
    # After the session the file is closed: another connection may open it read-only.
    with open_warehouse(settings, read_only=True) as con:
        assert con.execute("select count(*) from held").fetchall() == [(2,)]


def link(to_id: int) -> RawRecord:
    payload = {"from_id": "1", "to_id": str(to_id)}
    return RawRecord(f"deals:1->contacts:{to_id}", None, payload)


def sweep(con, load_id: str, *to_ids: int) -> tuple[int, int]:
    """One complete read of a stream that returns every link each run."""
    records = [link(to_id) for to_id in to_ids]
    for half in (records[:1], records[1:]):
        write_records(
            con,
            source="hubspot",
            entity="associations",
            records=half,
            load_id=load_id,
            remember_seen=True,
        )
    return reconcile_deletions(con, source="hubspot", entity="associations", load_id=load_id)


def current_links(con) -> dict[str, bool]:
    found = con.execute(
        """
        select record_key, coalesce((record ->> 'deleted')::boolean, false)
        from raw_hubspot.associations
        qualify row_number() over (partition by record_key
            order by modified_at desc nulls last, _extracted_at desc, record_hash) = 1
        """
    ).fetchall()
    return dict(found)


def test_reconcile_tombstones_what_a_full_read_missed_and_restores_what_came_back(settings):
    with open_warehouse(settings) as con:
        assert sweep(con, "a", 2, 3, 4) == (0, 0)
        assert sweep(con, "b", 2, 3, 4) == (0, 0)
        assert sweep(con, "c", 2, 4) == (1, 0)
        assert current_links(con) == {
            "deals:1->contacts:2": False,
            "deals:1->contacts:3": True,
            "deals:1->contacts:4": False,
        }
        assert sweep(con, "d", 2, 4) == (0, 0)  # already tombstoned: nothing new
        assert sweep(con, "e", 2, 3, 4) == (0, 1)
        assert set(current_links(con).values()) == {False}
        assert sweep(con, "f", 2, 4) == (1, 0)  # gone a second time
        assert current_links(con)["deals:1->contacts:3"] is True
        tombstone = con.execute(
            """
            select record from raw_hubspot.associations where _load_id = 'c'
            """
        ).fetchall()
        assert '"deleted":true' in tombstone[0][0].replace(" ", "")
        assert '"to_id":"3"' in tombstone[0][0].replace(" ", "")
        assert con.execute("select count(*) from _elt.seen_keys").fetchall() == [(0,)]


def test_keys_seen_by_a_killed_run_do_not_count_for_the_next(settings):
    with open_warehouse(settings) as con:
        sweep(con, "a", 2, 3)
        write_records(  # a run killed after its first write, before reconciling
            con,
            source="hubspot",
            entity="associations",
            records=[link(3)],
            load_id="killed",
            remember_seen=True,
        )
        assert sweep(con, "b", 2) == (1, 0)
        assert current_links(con)["deals:1->contacts:3"] is True


def test_load_log_keeps_requests_and_older_warehouses_gain_the_column(settings):
    from crm_elt.warehouse import StreamStats, log_load, utc_now

    with open_warehouse(settings) as con:
        con.execute("create schema if not exists _elt")
        con.execute(  # the load log as it was before requests were counted
            """
            create or replace table _elt.load_log (
                load_id varchar not null, source varchar not null, stream varchar not null,
                started_at timestamp not null, finished_at timestamp not null,
                pages integer not null, records_received bigint not null,
                records_inserted bigint not null, retries integer not null,
                duration_s double not null, outcome varchar not null, error varchar
            )
            """
        )
        stats = StreamStats(pages=3, received=250, inserted=240, retries=1, requests=4)
        log_load(
            con,
            load_id="a",
            source="hubspot",
            stream="contacts",
            started_at=utc_now(),
            stats=stats,
            outcome="success",
        )
        logged = con.execute(
            "select pages, records_received, retries, requests, outcome from _elt.load_log"
        ).fetchall()
    assert logged == [(3, 250, 1, 4, "success")]


def test_deletions_and_restores_are_the_same_versions_in_any_warehouse(tmp_path):
    """When a deletion was seen is the tombstone's _extracted_at, never part of its record, so
    the same sweeps give the same versions in two warehouses, however far apart in time."""
    versions = []
    for name in ("first", "second"):
        with duckdb.connect(str(tmp_path / f"{name}.duckdb")) as con:
            for run, to_ids in enumerate([(2, 3), (2,), (2, 3), (2,), (2, 3)]):
                sweep(con, f"{name}-{run}", *to_ids)
            versions.append(
                set(
                    con.execute(
                        "select record_key, record_hash from raw_hubspot.associations"
                    ).fetchall()
                )
            )
            detected = con.execute(
                "select count(*) from raw_hubspot.associations "
                "where (record ->> 'deleted')::boolean and _load_id like '%-1'"
            ).fetchall()
            assert current_links(con)["deals:1->contacts:3"] is False  # restored twice
    assert versions[0] == versions[1]
    # to 3: received, deleted, restored, deleted again, restored again: five versions.
    assert sum(key == "deals:1->contacts:3" for key, _ in versions[0]) == 5
    assert detected == [(1,)]


def test_raw_tables_from_before_recovered_from_gain_the_column(settings):
    with open_warehouse(settings) as con:
        con.execute("create schema raw_manychat")
        con.execute(  # a raw table as it was before the column existed
            """
            create table raw_manychat.subscribers (
                record_key varchar not null, record_hash varchar not null,
                modified_at timestamp, record json not null,
                _extracted_at timestamp not null, _load_id varchar not null,
                primary key (record_key, record_hash)
            )
            """
        )
        con.execute(
            "insert into raw_manychat.subscribers values ('0', 'h0', null, '{}', now(), 'old')"
        )
    with open_warehouse(settings) as con:  # the next run opens the older warehouse
        records = [
            RawRecord("1", None, {"first_name": "Ana"}),
            RawRecord("2", None, {"first_name": "Gil"}, recovered_from="L0/export.csv:8"),
        ]
        write_records(con, source="manychat", entity="subscribers", records=records, load_id="a")
        rows = con.execute(
            "select record_key, record ->> 'first_name', _recovered_from, _load_id "
            "from raw_manychat.subscribers order by 1"
        ).fetchall()
    assert rows == [
        ("0", None, None, "old"),
        ("1", "Ana", None, "a"),
        ("2", "Gil", "L0/export.csv:8", "a"),
    ]
