"""Staging calls the normalization functions through the dbt plugin, and what it builds can
be read from a plain DuckDB session that has no plugin (the dashboard, a notebook)."""

from __future__ import annotations

from datetime import datetime

import duckdb

from crm_elt.dbt_runner import build
from crm_elt.warehouse import RawRecord, open_warehouse
from crm_elt.warehouse import write_records as write
from tests.conftest import log_every_source


def contact(record_id: str, **properties) -> RawRecord:
    payload = {
        "id": record_id,
        "properties": {"createdate": "2026-01-05T10:00:00.000Z", **properties},
        "archived": False,
    }
    return RawRecord(record_id, datetime(2026, 1, 5), payload)


def test_staging_normalizes_emails_phones_and_names(settings):
    buyer = {
        "ucode": "B1",
        "name": "DRA. MARIA DAS GRAÇAS SOUZA",
        "email": "Maria.Souza+curso@GMIAL.com",
        "cellphone": "98765-4321",
        "address": {"state": "AC"},
        "documents": [{"value": "123.456.789-09", "type": "CPF"}],
    }
    sale = {"transaction": "HP1", "users": [{"role": "BUYER", "user": buyer}]}
    with open_warehouse(settings) as con:
        write(
            con,
            source="hubspot",
            entity="contacts",
            records=[
                contact(
                    "1",
                    email=" Ana@Example.com ",
                    firstname="Ana",
                    lastname="Lima",
                    mobilephone="(11) 8765-4321",
                    state="SP",
                ),
                contact("2", email="ana@@example", phone="não tem", mobilephone="98765-4321"),
            ],
            load_id="l1",
        )
        write(
            con,
            source="hotmart",
            entity="sales_users",
            records=[RawRecord("HP1", datetime(2026, 1, 5), sale)],
            load_id="l1",
        )
        log_every_source(con, "l1")
    build(settings)
    # A plain session, as any reader opens the warehouse: no plugin, no Python functions.
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        contacts = con.execute(
            "select contact_id, email, email_problem, name_key, mobile_phone_e164, "
            "mobile_phone_added_ninth_digit, mobile_phone_problem, phone_problem "
            "from staging.stg_hubspot__contacts order by 1"
        ).fetchall()
        buyers = con.execute(
            "select email, email_match_key, email_repaired_domain, name_key, first_name, "
            "cellphone_e164, cellphone_completed_area_code, document_type, document_number "
            "from staging.stg_hotmart__sales_users"
        ).fetchall()
    assert contacts == [
        ("1", "ana@example.com", None, "ana lima", "+5511987654321", True, None, None),
        ("2", None, "invalid_syntax", None, None, False, "no_area_code", "not_a_phone"),
    ]
    assert buyers == [
        (
            "maria.souza+curso@gmail.com",
            "mariasouza@gmail.com",
            "gmial.com",
            "maria gracas souza",
            "MARIA",
            "+5568987654321",
            True,
            "CPF",
            "12345678909",
        )
    ]
