"""The raw (bronze) layer in DuckDB: versioned raw tables, sync state, load log, quarantine.

DuckDB allows one writer per file, so nothing here keeps a connection beyond one job: every
step opens the warehouse, writes, and closes it (`open_warehouse`). An extraction, which opens
it hundreds of times, holds it for its duration (`warehouse_session`), because opening a closed
DuckDB file costs a checkpoint and a reload each time (about 13 ms, versus 0.1 ms for a cursor).

Raw tables `raw_<source>.<entity>` keep every distinct version of a record: a row is
identified by (`record_key`, `record_hash`), so re-extracting an unchanged record adds
nothing while a changed record adds a new version. The current version of a record is the
one with the latest `modified_at`, then the latest `_extracted_at`.

A stream that reads everything every run (HubSpot associations) can learn about deletions
only by absence: its writes remember the keys they saw (`remember_seen`) and, once the whole
stream has been read, `reconcile_deletions` adds a tombstone version (`"deleted": true`) for
every current record it did not see, and a restored version for every tombstoned one it saw.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import NamedTuple

import duckdb
import pandas as pd

from crm_elt.settings import ENVIRONMENTS, Settings

_IDENTIFIER = re.compile(r"^[a-z][a-z0-9_]*$")
# Sorted keys make a record's text, and so its hash, independent of the API's key order. One
# encoder for every record: json.dumps with options builds a new one per call (a third slower).
_RECORD_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, default=str)


class WrongEnvironmentError(Exception):
    """A run tried to open a warehouse that belongs to another environment."""


class RawRecord(NamedTuple):
    """One record as received from a source, with the key and modified time it is versioned by.

    `recovered_from` names the quarantine row (`<load_id>/<file>:<line>`) a record was rebuilt
    from. It is a fact about the run, so it goes to a column and never into the hashed record:
    the same inputs must give the same versions in any warehouse.
    """

    key: str
    modified_at: datetime | None
    payload: dict
    recovered_from: str | None = None


@dataclass
class StreamStats:
    pages: int = 0
    received: int = 0
    inserted: int = 0
    retries: int = 0
    requests: int = 0  # HTTP requests sent, retries included


@dataclass(frozen=True)
class QuarantinedRow:
    source: str
    entity: str
    file_name: str
    line_number: int | None
    field: str | None
    reason: str
    raw_content: str


def new_load_id() -> str:
    """Sortable by time, unique across processes."""
    return f"{datetime.now(UTC):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def utc_now() -> datetime:
    """Naive UTC: every `_at` column in the warehouse is a UTC TIMESTAMP."""
    return datetime.now(UTC).replace(tzinfo=None)


SESSION_CHECKPOINT_THRESHOLD = "256MB"
SESSION_MEMORY_LIMIT = "1GB"
# Warehouses held open by a `warehouse_session` of this process.
_sessions: dict[Path, duckdb.DuckDBPyConnection] = {}


@contextmanager
def warehouse_session(settings: Settings) -> Iterator[None]:
    """Hold this environment's warehouse open until the block ends; nested sessions share it.

    Inside it, `open_warehouse` hands out cursors of the held connection (read-write even when
    read-only is asked, since DuckDB refuses a second configuration of an open file).
    """
    path = settings.warehouse_path.resolve()
    if path in _sessions:
        yield
        return
    with open_warehouse(settings) as con:
        # A bulk load checkpoints at every 16 MB of log by default, rewriting what it just
        # wrote; at 256 MB a load of a million records spends about half as long in DuckDB.
        con.execute(f"set checkpoint_threshold = '{SESSION_CHECKPOINT_THRESHOLD}'")
        # DuckDB would otherwise keep up to 80 % of RAM of table blocks cached for the run.
        con.execute(f"set memory_limit = '{SESSION_MEMORY_LIMIT}'")
        _sessions[path] = con
        try:
            yield
        finally:
            del _sessions[path]


@contextmanager
def open_warehouse(
    settings: Settings, *, read_only: bool = False, database: Path | None = None
) -> Iterator[duckdb.DuckDBPyConnection]:
    """Open this environment's warehouse and close it afterwards, whatever happens.

    `database` may name the file explicitly, but only inside this environment's folder, and
    a file stamped with another environment is refused even if it was copied here.
    """
    path = Path(database or settings.warehouse_path).resolve()
    _check_environment_path(settings, path)
    held = _sessions.get(path)
    if held is not None:
        cursor = held.cursor()
        try:
            yield cursor
        finally:
            cursor.close()
        return
    if not read_only:
        path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path), read_only=read_only)
    try:
        _check_environment_stamp(con, settings, path, read_only)
        if not read_only:
            add_missing_raw_columns(con)
        yield con
    finally:
        con.close()


def has_table(con: duckdb.DuckDBPyConnection, qualified: str) -> bool:
    """Whether `schema.table` exists in the connection's own database (a table or a view)."""
    schema, _, name = qualified.partition(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ? and table_catalog = current_database()",
            [schema, name],
        ).fetchall()[0][0]
    )


def _check_environment_path(settings: Settings, path: Path) -> None:
    own_dir = settings.warehouse_path.parent.resolve()
    db_root = (settings.data_dir / "db").resolve()
    if path.parent != own_dir:
        others = [env for env in ENVIRONMENTS if path.is_relative_to(db_root / env)]
        owner = f"the {others[0]} environment" if others else "no environment"
        raise WrongEnvironmentError(
            f"ENVIRONMENT={settings.environment} may only open {settings.warehouse_path}; "
            f"{path} belongs to {owner}"
        )


def _check_environment_stamp(
    con: duckdb.DuckDBPyConnection, settings: Settings, path: Path, read_only: bool
) -> None:
    if has_table(con, "_elt.environment"):
        stamped = con.execute("select environment from _elt.environment").fetchall()
        if stamped and stamped[0][0] != settings.environment:
            raise WrongEnvironmentError(
                f"{path} is the {stamped[0][0]} warehouse; ENVIRONMENT={settings.environment} "
                "may not open it"
            )
    elif not read_only:
        ensure_elt_schema(con)
        con.execute("insert into _elt.environment values (?)", [settings.environment])


def ensure_elt_schema(con: duckdb.DuckDBPyConnection) -> None:
    con.execute("create schema if not exists _elt")
    con.execute("create table if not exists _elt.environment (environment varchar not null)")
    con.execute(
        """
        create table if not exists _elt.sync_state (
            source varchar not null,
            entity varchar not null,
            cursor json,
            load_id varchar not null,
            updated_at timestamp not null,
            primary key (source, entity)
        )
        """
    )
    con.execute(
        """
        create table if not exists _elt.load_log (
            load_id varchar not null,
            source varchar not null,
            stream varchar not null,
            started_at timestamp not null,
            finished_at timestamp not null,
            pages integer not null,
            records_received bigint not null,
            records_inserted bigint not null,
            retries integer not null,
            duration_s double not null,
            outcome varchar not null,
            error varchar
        )
        """
    )
    # Warehouses created before the column existed gain it here.
    con.execute("alter table _elt.load_log add column if not exists requests integer")
    con.execute(
        """
        create table if not exists _elt.quarantine (
            load_id varchar not null,
            source varchar not null,
            entity varchar not null,
            file_name varchar not null,
            line_number integer,
            field varchar,
            reason varchar not null,
            raw_content varchar,
            quarantined_at timestamp not null
        )
        """
    )
    con.execute(
        """
        create table if not exists _elt.seen_keys (
            load_id varchar not null,
            source varchar not null,
            entity varchar not null,
            record_key varchar not null,
            record_hash varchar not null
        )
        """
    )
    con.execute(
        """
        create table if not exists _elt.loaded_files (
            source varchar not null,
            entity varchar not null,
            content_hash varchar not null,
            file_name varchar not null,
            load_id varchar not null,
            rows_loaded bigint not null,
            rows_quarantined bigint not null,
            loaded_at timestamp not null,
            primary key (source, content_hash)
        )
        """
    )


def ensure_ops_schema(con: duckdb.DuckDBPyConnection) -> None:
    """What the delivery steps did: one row per call, committed as each call ends, so a run
    killed halfway and run again knows what was already sent (crm_elt/exporters)."""
    con.execute("create schema if not exists ops")
    # One row per contact of a day's batch and step (`tag`, `flow`). status: sending (the
    # call was started: a run killed now left its outcome unknown), done, failed (retried
    # on the next run), rejected (ManyChat refused it: not retried that day), skipped (no
    # subscriber), unconfirmed (a flow whose call was cut off: never sent twice).
    con.execute(
        """
        create table if not exists ops.manychat_push_log (
            push_date date not null,
            golden_contact_id varchar not null,
            step varchar not null,
            subscriber_id varchar,
            target varchar,
            status varchar not null,
            attempts integer not null,
            error varchar,
            updated_at timestamp not null,
            primary key (push_date, golden_contact_id, step)
        )
        """
    )
    # The values last written to each HubSpot contact, so a run sends only what changed.
    con.execute(
        """
        create table if not exists ops.hubspot_writeback_state (
            hubspot_contact_id varchar primary key,
            golden_contact_id varchar not null,
            property_values json not null,
            written_at timestamp not null
        )
        """
    )
    con.execute(
        """
        create table if not exists ops.hubspot_writeback_log (
            run_id varchar not null,
            hubspot_contact_id varchar not null,
            golden_contact_id varchar,
            status varchar not null,
            error varchar,
            logged_at timestamp not null
        )
        """
    )


def raw_table_name(source: str, entity: str) -> str:
    for part in (source, entity):
        if not _IDENTIFIER.match(part):
            raise ValueError(f"not a valid raw table name part: {part!r}")
    return f"raw_{source}.{entity}"


def ensure_raw_table(con: duckdb.DuckDBPyConnection, source: str, entity: str) -> str:
    table = raw_table_name(source, entity)
    con.execute(f"create schema if not exists raw_{source}")
    con.execute(
        f"""
        create table if not exists {table} (
            record_key varchar not null,
            record_hash varchar not null,
            modified_at timestamp,
            record json not null,
            _extracted_at timestamp not null,
            _load_id varchar not null,
            _recovered_from varchar,
            primary key (record_key, record_hash)
        )
        """
    )
    return table


def add_missing_raw_columns(con: duckdb.DuckDBPyConnection) -> None:
    """Give raw tables created before `_recovered_from` existed the column (dbt's
    ensure_raw_tables does the same). Once per connection, not per write: it costs a query."""
    missing = con.execute(
        """
        select table_schema || '.' || table_name from information_schema.tables as raw_table
        where table_schema like 'raw\\_%' escape '\\' and table_type = 'BASE TABLE'
            and not exists (
                select 1 from information_schema.columns as found
                where found.table_schema = raw_table.table_schema
                    and found.table_name = raw_table.table_name
                    and found.column_name = '_recovered_from'
            )
        """
    ).fetchall()
    for (table,) in missing:
        con.execute(f"alter table {table} add column _recovered_from varchar")


def write_records(
    con: duckdb.DuckDBPyConnection,
    *,
    source: str,
    entity: str,
    records: Sequence[RawRecord],
    load_id: str,
    cursor: dict | None = None,
    cursor_entity: str | None = None,
    also: Callable[[duckdb.DuckDBPyConnection], None] | None = None,
    remember_seen: bool = False,
) -> int:
    """Insert the new versions among `records` and save `cursor`, in one transaction.

    Returns how many versions were new. Saving the cursor with the page it covers is what
    makes a killed run resumable without gaps or duplicates. `also` runs inside the same
    transaction (e.g. to record quarantined rows and the file as loaded). `remember_seen`
    notes every key and version received, for `reconcile_deletions` at the end of the stream.
    """
    ensure_elt_schema(con)
    table = ensure_raw_table(con, source, entity)
    frame = pd.DataFrame(
        {
            "record_key": [str(record.key) for record in records],
            "modified_at": pd.to_datetime(
                [_naive_utc(record.modified_at) for record in records]
            ).astype("datetime64[us]"),
            "record": [_RECORD_ENCODER.encode(record.payload) for record in records],
            "recovered_from": pd.Series(
                [record.recovered_from for record in records], dtype="string"
            ),
        }
    )
    con.execute("begin transaction")
    try:
        inserted = 0
        if len(frame):
            con.register("incoming_records", frame)
            inserted = con.execute(
                f"""
                insert into {table} by name
                select distinct on (record_key, record_hash)
                    record_key, md5(record) as record_hash, modified_at, record::json as record,
                    ?::timestamp as _extracted_at, ? as _load_id,
                    recovered_from as _recovered_from
                from incoming_records
                on conflict do nothing
                """,
                [utc_now(), load_id],
            ).fetchall()[0][0]
            if remember_seen:
                con.execute(
                    """
                    insert into _elt.seen_keys
                    select distinct ?, ?, ?, record_key, md5(record) from incoming_records
                    """,
                    [load_id, source, entity],
                )
            con.unregister("incoming_records")
        if cursor is not None:
            save_cursor(con, source, cursor_entity or entity, cursor, load_id)
        if also is not None:
            also(con)
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return int(inserted)


def current_versions_sql(table: str) -> str:
    """A query of the current version (see the module docstring) of every record in `table`."""
    return f"""
        select * exclude (version_rank) from (
            select *, row_number() over (
                partition by record_key
                order by modified_at desc nulls last, _extracted_at desc, record_hash
            ) as version_rank
            from {table}
        )
        where version_rank = 1
    """


def reconcile_deletions(
    con: duckdb.DuckDBPyConnection, *, source: str, entity: str, load_id: str
) -> tuple[int, int]:
    """After a complete read of a stream: tombstone what was not seen, restore what reappeared.

    Returns (deleted, restored). Call it only when every page of the stream was read: an
    interrupted read would tombstone everything it had not reached yet.
    """
    ensure_elt_schema(con)
    table = ensure_raw_table(con, source, entity)
    seen = """
        select distinct record_key, record_hash from _elt.seen_keys
        where load_id = $load_id and source = $source and entity = $entity
    """
    params = {"load_id": load_id, "source": source, "entity": entity, "detected_at": utc_now()}

    def add_versions(versions_sql: str) -> int:
        """Insert the versions `versions_sql` selects, stamped by this load.

        When a deletion was detected is the tombstone's `_extracted_at`; the records hold only
        what follows from the source's data, so every warehouse gets the same versions.
        """
        return con.execute(
            f"""
            insert into {table} by name
            select record_key, md5(record::varchar) as record_hash, modified_at, record,
                $detected_at as _extracted_at, $load_id as _load_id, _recovered_from
            from ({versions_sql})
            on conflict do nothing
            """,
            params,
        ).fetchall()[0][0]

    con.execute("begin transaction")
    try:
        deleted = add_versions(
            f"""
            select record_key, modified_at, _recovered_from,
                json_merge_patch(record, json_object('deleted', true)) as record
            from ({current_versions_sql(table)})
            where not coalesce((record ->> 'deleted')::boolean, false)
                and record_key not in (select record_key from ({seen}))
            """
        )
        # A restore names the tombstone it ends, so a link deleted and restored twice gets a
        # new version each time instead of colliding with its first restore.
        restored = add_versions(
            f"""
            select received.record_key, received.modified_at, received._recovered_from,
                json_merge_patch(
                    received.record, json_object('restored_after', current.record_hash)
                ) as record
            from ({current_versions_sql(table)}) as current
            join ({seen}) as seen using (record_key)
            join {table} as received
                on received.record_key = seen.record_key
                and received.record_hash = seen.record_hash
            where coalesce((current.record ->> 'deleted')::boolean, false)
            """
        )
        # Keys of runs killed before this point are useless too: runs are serialized.
        con.execute("delete from _elt.seen_keys where source = ? and entity = ?", [source, entity])
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return int(deleted), int(restored)


def save_cursor(
    con: duckdb.DuckDBPyConnection, source: str, entity: str, cursor: dict, load_id: str
) -> None:
    ensure_elt_schema(con)
    con.execute(
        "insert or replace into _elt.sync_state values (?, ?, ?::json, ?, ?)",
        [source, entity, json.dumps(cursor, sort_keys=True), load_id, utc_now()],
    )


def get_cursor(con: duckdb.DuckDBPyConnection, source: str, entity: str) -> dict | None:
    ensure_elt_schema(con)
    rows = con.execute(
        "select cursor from _elt.sync_state where source = ? and entity = ?", [source, entity]
    ).fetchall()
    return json.loads(rows[0][0]) if rows and rows[0][0] is not None else None


def clear_cursor(con: duckdb.DuckDBPyConnection, source: str, entity: str) -> None:
    ensure_elt_schema(con)
    con.execute("delete from _elt.sync_state where source = ? and entity = ?", [source, entity])


def log_load(
    con: duckdb.DuckDBPyConnection,
    *,
    load_id: str,
    source: str,
    stream: str,
    started_at: datetime,
    stats: StreamStats,
    outcome: str,
    error: str | None = None,
) -> None:
    ensure_elt_schema(con)
    finished_at = utc_now()
    con.execute(
        """
        insert into _elt.load_log by name
        select ? as load_id, ? as source, ? as stream, ? as started_at, ? as finished_at,
            ? as pages, ? as records_received, ? as records_inserted, ? as retries,
            ? as duration_s, ? as outcome, ? as error, ? as requests
        """,
        [
            load_id,
            source,
            stream,
            started_at,
            finished_at,
            stats.pages,
            stats.received,
            stats.inserted,
            stats.retries,
            (finished_at - started_at).total_seconds(),
            outcome,
            error,
            stats.requests,
        ],
    )


def quarantine_rows(
    con: duckdb.DuckDBPyConnection, load_id: str, rows: Iterable[QuarantinedRow]
) -> int:
    ensure_elt_schema(con)
    now = utc_now()
    values = [
        [
            load_id,
            row.source,
            row.entity,
            row.file_name,
            row.line_number,
            row.field,
            row.reason,
            row.raw_content,
            now,
        ]
        for row in rows
    ]
    if values:
        con.executemany("insert into _elt.quarantine values (?, ?, ?, ?, ?, ?, ?, ?, ?)", values)
    return len(values)


def table_row_counts(con: duckdb.DuckDBPyConnection) -> list[tuple[str, int]]:
    """(schema.table, rows) for every base table, for run summaries."""
    tables = con.execute(
        "select table_schema, table_name from information_schema.tables "
        "where table_type = 'BASE TABLE' and table_catalog = current_database() "
        "order by table_schema, table_name"
    ).fetchall()
    return [
        (
            f"{schema}.{name}",
            con.execute(f'select count(*) from "{schema}"."{name}"').fetchall()[0][0],
        )
        for schema, name in tables
    ]


def _naive_utc(value: datetime | None) -> datetime | None:
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)
