"""stg_manychat__subscriber_profiles through dbt build, and the raw table dbt creates when the
enrichment has never run (the same DDL as crm_elt.warehouse.ensure_raw_table)."""

from __future__ import annotations

from datetime import datetime

import duckdb

from crm_elt.dbt_runner import build
from crm_elt.warehouse import (
    RawRecord,
    ensure_raw_table,
    open_warehouse,
)
from crm_elt.warehouse import write_records as write
from tests.conftest import log_every_source


def profile(subscriber_id: str, **changes) -> RawRecord:
    payload = {
        "id": subscriber_id,
        "page_id": "1234567890123456",
        "first_name": "Ana",
        "last_name": "Souza",
        "name": "Ana Souza",
        "gender": "female",
        "locale": "pt_BR",
        "language": None,
        "timezone": "UTC-03",
        "email": " Ana.Souza@Example.com ",
        "phone": "+5511987654321",
        "whatsapp_phone": "+5511987654321",
        "optin_email": True,
        "optin_phone": False,
        "optin_whatsapp": True,
        "is_followup_enabled": True,
        "subscribed": "2026-01-05T14:03:00-03:00",
        "last_interaction": None,
        "last_seen": "2026-02-01T23:30:00-03:00",
        "live_chat_url": "https://manychat.com/fb1234567890123456/chat/1",
        "custom_fields": [{"id": 1, "name": "especialidade", "type": "text", "value": "x"}],
        "tags": [{"id": 1, "name": "ilpi"}, {"id": 2, "name": "cuidador"}],
        **changes,
    }
    return RawRecord(subscriber_id, None, payload)


def test_staging_keeps_the_latest_lookup_typed_and_in_utc(settings):
    with open_warehouse(settings) as con:
        first = [profile("1"), profile("2", email=None, tags=[], optin_email=False)]
        write(con, source="manychat", entity="subscriber_profiles", records=first, load_id="l1")
        later = [profile("1", tags=[{"id": 3, "name": "lead_quente"}], last_interaction=None)]
        later[0].payload["last_interaction"] = "2026-03-10T08:00:00-03:00"
        write(con, source="manychat", entity="subscriber_profiles", records=later, load_id="l2")
        log_every_source(con)
    nodes = build(settings)
    assert set(nodes["status"]) <= {"pass", "success"}
    tests = nodes[nodes["node"].str.contains("stg_manychat__subscriber_profiles")]
    assert len(tests) >= 3  # the model, unique and not_null on subscriber_id
    with open_warehouse(settings, read_only=True) as con:
        rows = con.execute(
            "select subscriber_id, email, email_raw, has_email_optin, has_phone_optin, tags, "
            "subscribed_at, last_interaction_at, last_seen_at, load_id, "
            "custom_fields ->> '$[0].name' "
            "from staging.stg_manychat__subscriber_profiles order by subscriber_id"
        ).fetchall()
    assert rows == [
        (
            "1",
            "ana.souza@example.com",
            " Ana.Souza@Example.com ",
            True,
            False,
            ["lead_quente"],
            datetime(2026, 1, 5, 17, 3),
            datetime(2026, 3, 10, 11, 0),
            datetime(2026, 2, 2, 2, 30),
            "l2",
            "especialidade",
        ),
        (
            "2",
            None,
            None,
            False,
            False,
            [],
            datetime(2026, 1, 5, 17, 3),
            None,
            datetime(2026, 2, 2, 2, 30),
            "l1",
            "especialidade",
        ),
    ]


def columns_and_keys(con, table: str) -> tuple[list[tuple], list[tuple]]:
    schema, name = table.split(".")
    columns = con.execute(
        "select column_name, data_type, is_nullable from information_schema.columns "
        "where table_schema = ? and table_name = ? order by ordinal_position",
        [schema, name],
    ).fetchall()
    keys = con.execute(
        "select constraint_type, constraint_column_names from duckdb_constraints() "
        "where schema_name = ? and table_name = ? and constraint_type = 'PRIMARY KEY'",
        [schema, name],
    ).fetchall()
    return columns, keys


def test_dbt_creates_the_missing_raw_table_as_the_extractor_would(settings):
    with open_warehouse(settings) as con:
        log_every_source(con)
    build(settings)
    with open_warehouse(settings, read_only=True) as con:
        created_by_dbt = columns_and_keys(con, "raw_manychat.subscriber_profiles")
        staged = con.execute(
            "select count(*) from staging.stg_manychat__subscriber_profiles"
        ).fetchall()
    reference = duckdb.connect()
    ensure_raw_table(reference, "manychat", "subscriber_profiles")
    assert created_by_dbt == columns_and_keys(reference, "raw_manychat.subscriber_profiles")
    assert created_by_dbt[0]  # the table exists, with columns
    assert staged == [(0,)]
