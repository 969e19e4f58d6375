"""The remarketing CSV: Excel-friendly bytes, formula cells neutralized, hostile text intact."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal

import duckdb
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_elt.exporters.remarketing_csv import (
    COLUMNS,
    FORMULA_STARTS,
    CsvFormat,
    export_path,
    export_remarketing_csv,
    neutralize_formula,
    render_csv,
)
from crm_elt.settings import SettingsError
from crm_elt.warehouse import open_warehouse
from tests.conftest import make_settings

EXCEL_BR = CsvFormat()


def row(**values) -> dict:
    base = {
        "priority_rank": 1,
        "golden_contact_id": "gc_1",
        "full_name": "Ana",
        "whatsapp_phone": None,
        "email": None,
        "audiences": None,
        "net_ltv_brl": Decimal("0.00"),
        "why_selected": "no purchase in 30 days",
    }
    return {**base, **values}


def read_back(content: bytes, csv_format: CsvFormat = EXCEL_BR) -> list[dict]:
    text = content.decode(csv_format.encoding)
    return list(csv.DictReader(io.StringIO(text, newline=""), delimiter=csv_format.delimiter))


def test_render_csv_writes_bom_semicolons_crlf_and_decimal_comma():
    content = render_csv(
        [row(full_name="João Conceição", net_ltv_brl=Decimal("1234.5"), audiences="ilpi")],
        EXCEL_BR,
    )
    assert content.startswith(b"\xef\xbb\xbf")
    lines = content.decode("utf-8-sig").split("\r\n")
    assert lines[0] == ";".join(COLUMNS)
    assert lines[1] == "1;gc_1;João Conceição;;;ilpi;1234,50;no purchase in 30 days"
    assert lines[2] == ""  # the file ends with a line end


def test_render_csv_keeps_negative_money_a_number():
    (parsed,) = read_back(render_csv([row(net_ltv_brl=Decimal("-12.3"))], EXCEL_BR))
    assert parsed["net_ltv_brl"] == "-12,30"


def test_render_csv_neutralizes_formulas_and_keeps_quotes_newlines_and_emoji():
    hostile = [
        row(priority_rank=1, full_name='=HYPERLINK("http://x","clique")'),
        row(priority_rank=2, full_name="@SUM(A1:A9)", why_selected="-2+3"),
        row(priority_rank=3, full_name='Zé "Zézinho"\nda Silva 😀; ok'),
        row(priority_rank=4, full_name="\tTab", email="\rcr@example.com"),
        row(priority_rank=5, whatsapp_phone="+5511987654321"),
    ]
    parsed = read_back(render_csv(hostile, EXCEL_BR))
    assert [item["full_name"] for item in parsed] == [
        '\'=HYPERLINK("http://x","clique")',
        "'@SUM(A1:A9)",
        'Zé "Zézinho"\nda Silva 😀; ok',
        "'\tTab",
        "Ana",
    ]
    assert parsed[1]["why_selected"] == "'-2+3"
    assert parsed[3]["email"] == "'\rcr@example.com"
    assert parsed[4]["whatsapp_phone"] == "'+5511987654321"


def test_render_csv_follows_a_configured_format():
    csv_format = CsvFormat(delimiter=",", encoding="utf-8", decimal=".")
    content = render_csv([row(net_ltv_brl=Decimal("10"), full_name="Lima, Ana")], csv_format)
    assert not content.startswith(b"\xef\xbb\xbf")
    assert content.decode().split("\r\n")[1] == '1,gc_1,"Lima, Ana",,,,10.00,no purchase in 30 days'


@given(st.text())
def test_any_name_round_trips_and_never_starts_a_cell_with_a_formula_character(name):
    (parsed,) = read_back(render_csv([row(full_name=name)], EXCEL_BR))
    cell = parsed["full_name"]
    assert not cell.startswith(FORMULA_STARTS)
    assert cell == neutralize_formula(name)
    assert cell.removeprefix("'") == name or cell == name


def make_batch(settings, rows: list[tuple]) -> None:
    with open_warehouse(settings) as con:
        con.execute("create schema if not exists marts")
        con.execute(
            """
            create or replace table marts.remarketing_batch (
                run_date date, priority_rank integer, golden_contact_id varchar,
                full_name varchar, whatsapp_phone varchar, email varchar,
                manychat_subscriber_id varchar, audiences varchar,
                net_ltv_brl decimal(18, 2), why_selected varchar
            )
            """
        )
        if rows:
            con.executemany(
                "insert into marts.remarketing_batch values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows
            )


def test_export_writes_the_days_file_atomically_and_the_same_bytes_on_a_rerun(tmp_path):
    settings = make_settings(tmp_path / "data")
    day = date(2026, 11, 1)
    make_batch(
        settings,
        [
            (day, 2, "gc_b", "Bia", None, "bia@example.com", None, "estetica", 99.9, "why b"),
            (day, 1, "gc_a", "=1+1", "+5521999990000", None, "1", "ilpi", 10, "why a"),
        ],
    )
    first = export_remarketing_csv(settings)
    path = export_path(settings, day)
    assert first.path == path == tmp_path / "data/output/remarketing/dev/2026-11-01.csv"
    assert first.rows == 2
    content = path.read_bytes()
    assert [item["golden_contact_id"] for item in read_back(content)] == ["gc_a", "gc_b"]
    again = export_remarketing_csv(settings)
    assert again.path == path and path.read_bytes() == content
    assert [entry.name for entry in path.parent.iterdir()] == [path.name]  # no temp file left


def test_export_without_a_batch_table_writes_nothing_and_says_so(tmp_path):
    settings = make_settings(tmp_path / "data")
    with open_warehouse(settings):
        pass
    result = export_remarketing_csv(settings)
    assert result.path is None and result.rows == 0
    assert "nothing exported" in result.describe()
    assert not settings.remarketing_output_dir.exists()


def test_export_of_an_empty_batch_writes_the_header_only(tmp_path):
    settings = make_settings(tmp_path / "data")
    make_batch(settings, [])
    result = export_remarketing_csv(settings, run_date=date(2026, 1, 2))
    assert result.rows == 0
    assert result.path.read_bytes().decode("utf-8-sig") == ";".join(COLUMNS) + "\r\n"


def test_settings_refuse_a_decimal_that_is_the_delimiter(tmp_path):
    with pytest.raises(SettingsError, match="REMARKETING_CSV_DECIMAL=',' is invalid: it is also"):
        make_settings(tmp_path, REMARKETING_CSV_DELIMITER=",", REMARKETING_CSV_DECIMAL=",")
    comma = make_settings(tmp_path, REMARKETING_CSV_DELIMITER=",")
    assert comma.delivery.csv_decimal == "."


def test_duckdb_decimal_reaches_the_file_unrounded(tmp_path):
    with duckdb.connect() as con:
        (value,) = con.execute("select 1234567.89::decimal(18, 2)").fetchall()[0]
    (parsed,) = read_back(render_csv([row(net_ltv_brl=value)], EXCEL_BR))
    assert parsed["net_ltv_brl"] == "1234567,89"
