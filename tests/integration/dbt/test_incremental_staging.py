"""Staging tables of many records (`changed_records_config`) re-read only the records with new
raw versions, and end exactly as a full rebuild would; new columns trigger a full rebuild."""

from __future__ import annotations

from datetime import datetime

from crm_elt.dbt_runner import build, run_dbt
from crm_elt.warehouse import RawRecord, open_warehouse
from crm_elt.warehouse import write_records as write
from tests.conftest import log_every_source

INCREMENTAL = {
    "stg_hubspot__contacts": "contact_id",
    "stg_hotmart__sales_users": "transaction_id",
    "stg_manychat__subscribers": "subscriber_id",
}


def contact(email: str, city: str) -> dict:
    return {"id": "x", "properties": {"email": email, "firstname": "Ana", "city": city}}


def sale(email: str) -> dict:
    return {"users": [{"role": "BUYER", "user": {"ucode": "B1", "name": "Ana", "email": email}}]}


def subscriber(email: str) -> dict:
    return {"id": "x", "first_name": "Ana", "email": email}


def land_batches(con, load_id: str, at: datetime, batches) -> None:
    """Each batch: (source, entity, {record key: (modified or None for `at`, value)}, the
    function making a value a raw record)."""
    for source, entity, records, shape in batches:
        rows = [
            RawRecord(key, modified or at, shape(value))
            for key, (modified, value) in records.items()
        ]
        write(con, source=source, entity=entity, records=rows, load_id=load_id)


def land(con, load_id: str, at: datetime, contacts: dict, sales: dict, subscribers: dict):
    land_batches(
        con,
        load_id,
        at,
        [
            ("hubspot", "contacts", contacts, lambda value: contact(*value)),
            ("hotmart", "sales_users", sales, sale),
            ("manychat", "subscribers", subscribers, subscriber),
        ],
    )


def staging_rows(settings, models=INCREMENTAL) -> dict[str, list[tuple]]:
    with open_warehouse(settings, read_only=True) as con:
        return {
            model: con.execute(
                f"select * exclude (extracted_at, load_id) from staging.{model} order by all"
            ).fetchall()
            for model in models
        }


def test_an_incremental_build_re_reads_only_changed_records_and_equals_a_full_one(settings):
    with open_warehouse(settings) as con:
        land(
            con,
            "l1",
            datetime(2026, 1, 1),
            {str(key): (None, (f"c{key}@example.com", "Recife")) for key in (1, 2, 3)},
            {"HP1": (None, "a@example.com"), "HP2": (None, "b@example.com")},
            {"S1": (None, "s1@example.com"), "S2": (None, "s2@example.com")},
        )
        log_every_source(con, "l1")
    build(settings)
    # A mark on a record that will not change: an incremental build leaves its rows alone.
    with open_warehouse(settings) as con:
        con.execute(
            "update staging.stg_hubspot__contacts set city = 'untouched' where contact_id = '1'"
        )

    with open_warehouse(settings) as con:
        land(
            con,
            "l2",
            datetime(2026, 2, 1),
            {
                "2": (None, ("new2@example.com", "Olinda")),  # a newer version: current
                "3": (datetime(2025, 6, 1), ("old3@example.com", "Natal")),  # an older one
                "4": (None, ("c4@example.com", "Recife")),  # a new record
            },
            {"HP2": (None, "b2@example.com")},
            {"S2": (None, "s2b@example.com"), "S3": (None, "s3@example.com")},
        )
        log_every_source(con, "l2")
    build(settings)
    incremental = staging_rows(settings)
    with open_warehouse(settings, read_only=True) as con:
        marked = con.execute(
            "select city from staging.stg_hubspot__contacts where contact_id = '1'"
        ).fetchall()
        current = con.execute(
            "select contact_id, email from staging.stg_hubspot__contacts "
            "where is_current_version order by 1"
        ).fetchall()
    assert marked == [("untouched",)]
    assert current == [
        ("1", "c1@example.com"),
        ("2", "new2@example.com"),
        ("3", "c3@example.com"),
        ("4", "c4@example.com"),
    ]

    run_dbt(settings, ["run", "--full-refresh", "--select", *INCREMENTAL])
    full = staging_rows(settings)
    incremental["stg_hubspot__contacts"] = [
        tuple("Recife" if value == "untouched" else value for value in row)
        for row in incremental["stg_hubspot__contacts"]
    ]
    assert incremental == full
    assert {model: len(rows) for model, rows in full.items()} == {
        "stg_hubspot__contacts": 6,
        "stg_hotmart__sales_users": 3,
        "stg_manychat__subscribers": 4,
    }


def test_a_staging_table_missing_a_column_is_rebuilt_in_full(settings):
    with open_warehouse(settings) as con:
        land(con, "l1", datetime(2026, 1, 1), {"1": (None, ("a@example.com", "Recife"))}, {}, {})
        log_every_source(con, "l1")
    build(settings)
    # As after an upgrade that added a column to the model.
    with open_warehouse(settings) as con:
        con.execute("alter table staging.stg_hubspot__contacts drop column city")
    nodes = build(settings)
    assert set(nodes["status"]) <= {"pass", "success"}
    with open_warehouse(settings, read_only=True) as con:
        assert con.execute("select city from staging.stg_hubspot__contacts").fetchall() == [
            ("Recife",)
        ]


def test_deals_sales_and_associations_are_incremental_too(settings):
    models = {
        "stg_hubspot__deals": ("hubspot", "deals"),
        "stg_hotmart__sales": ("hotmart", "sales"),
        "stg_hubspot__associations": ("hubspot", "associations"),
    }
    shapes = {
        "deals": lambda name: {"id": "x", "properties": {"dealname": name, "amount": "10.5"}},
        "sales": lambda name: {"product": {"name": name}, "purchase": {"status": "APPROVED"}},
        "associations": lambda name: {
            "from_type": "contacts",
            "from_id": name,
            "to_type": "deals",
            "to_id": "1",
            "association_types": [{"typeId": 4}],
        },
    }

    def land_versions(load_id: str, at: datetime, names: dict[str, str]) -> None:
        records = {key: (None, name) for key, name in names.items()}
        with open_warehouse(settings) as con:
            land_batches(
                con,
                load_id,
                at,
                [(source, entity, records, shapes[entity]) for source, entity in models.values()],
            )
            log_every_source(con, load_id)

    land_versions("l1", datetime(2026, 1, 1), {"1": "first", "2": "second"})
    build(settings)
    with open_warehouse(settings) as con:
        con.execute(
            "update staging.stg_hubspot__deals set deal_name = 'untouched' where deal_id = '1'"
        )
    land_versions("l2", datetime(2026, 2, 1), {"2": "second, changed", "3": "third"})
    build(settings)
    incremental = staging_rows(settings, models)
    run_dbt(settings, ["run", "--full-refresh", "--select", *models])
    full = staging_rows(settings, models)

    untouched = [row for row in incremental["stg_hubspot__deals"] if "untouched" in row]
    assert len(untouched) == 1
    incremental["stg_hubspot__deals"] = [
        tuple("first" if value == "untouched" else value for value in row)
        for row in incremental["stg_hubspot__deals"]
    ]
    assert incremental == full
    assert {model: len(table) for model, table in full.items()} == dict.fromkeys(models, 4)
