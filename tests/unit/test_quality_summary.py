"""The data-quality report's plain summary: one line per check of the latest run."""

from __future__ import annotations

from datetime import datetime

import duckdb
import pytest

from crm_elt.quality import latest_checks, quality_summary
from crm_elt.warehouse import open_warehouse


def add_run(con, run_id: str, started_at: datetime, rows: list[tuple]) -> None:
    con.executemany(
        "insert into marts.data_quality_report "
        "(run_id, run_started_at, area, check_name, source, field, detail, item_count, unit) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [[run_id, started_at, *row] for row in rows],
    )


@pytest.fixture
def con():
    con = duckdb.connect()
    con.execute("create schema marts")
    con.execute(
        "create table marts.data_quality_report (run_id varchar, run_started_at timestamp, "
        "area varchar, check_name varchar, source varchar, field varchar, detail varchar, "
        "item_count bigint, unit varchar)"
    )
    add_run(
        con,
        "run-1",
        datetime(2026, 11, 1, 6),
        [
            (
                "phones",
                "phones_unnormalized",
                "hubspot",
                "mobilephone",
                "no_area_code",
                10,
                "records",
            ),
            ("identity", "golden_contacts", None, None, None, 90, "golden contacts"),
            ("spend", "spend_rows_other_currency", None, None, None, 0, "spend rows"),
        ],
    )
    add_run(
        con,
        "run-2",
        datetime(2026, 11, 2, 6),
        [
            (
                "phones",
                "phones_unnormalized",
                "hubspot",
                "mobilephone",
                "no_area_code",
                12,
                "records",
            ),
            ("phones", "phones_unnormalized", "hotmart", "cellphone", "not_a_phone", 3, "records"),
            ("phones", "phones_unnormalized", "manychat", "phone", "no_area_code", 2, "records"),
            ("identity", "golden_contacts", None, None, None, 100, "golden contacts"),
            ("identity", "golden_contacts", "hubspot", None, None, 80, "golden contacts"),
            ("identity", "golden_contacts", "hotmart", None, None, 30, "golden contacts"),
            ("spend", "spend_rows_other_currency", None, None, None, 0, "spend rows"),
            ("files", "file_rows_recovered", None, None, None, 0, "file rows"),
        ],
    )
    yield con
    con.close()


def test_quality_summary_describes_the_latest_run_against_the_previous(con):
    assert quality_summary(con) == [
        "file_rows_recovered: 0 file rows",
        "golden_contacts: 100 golden contacts (hubspot 80, hotmart 30); +10 since the previous run",
        "phones_unnormalized: 17 records (hubspot mobilephone no_area_code 12, hotmart "
        "cellphone not_a_phone 3, manychat phone no_area_code 2); +7 since the previous run",
        "spend_rows_other_currency: 0 spend rows",
    ]


def test_quality_summary_lists_the_chosen_checks_in_their_order(con):
    assert quality_summary(
        con, only=["spend_rows_other_currency", "missing", "golden_contacts"]
    ) == [
        "spend_rows_other_currency: 0 spend rows",
        "golden_contacts: 100 golden contacts (hubspot 80, hotmart 30); +10 since the previous run",
    ]


def test_quality_summary_shortens_long_breakdowns(con):
    add_run(
        con,
        "run-3",
        datetime(2026, 11, 3, 6),
        [
            ("emails", "emails_domain_repaired", "hubspot", "email", domain, count, "records")
            for domain, count in [
                ("gmial.com", 5),
                ("hotmial.com", 4),
                ("gmail.con", 3),
                ("a.con", 1),
                ("b.con", 1),
            ]
        ],
    )
    (check,) = latest_checks(con)
    assert check.total == 14 and check.previous_total is None
    assert quality_summary(con) == [
        "emails_domain_repaired: 14 records (hubspot email gmial.com 5, hubspot email "
        "hotmial.com 4, hubspot email gmail.con 3, 2 more)"
    ]


def test_quality_summary_without_a_report_says_so():
    with duckdb.connect() as con:
        assert latest_checks(con) == []
        assert quality_summary(con) == [
            "No data-quality report yet (marts.data_quality_report is built by dbt build)."
        ]


def test_quality_command_prints_the_summary(tmp_path, monkeypatch, capsys):
    from crm_elt.__main__ import main
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "data")
    with open_warehouse(settings) as warehouse:
        warehouse.execute("create schema marts")
        warehouse.execute(
            "create table marts.data_quality_report as select 'run-1' as run_id, "
            "timestamp '2026-11-01' as run_started_at, 'files' as area, "
            "'file_rows_recovered' as check_name, null::varchar as source, "
            "null::varchar as field, null::varchar as detail, 0::bigint as item_count, "
            "'file rows' as unit"
        )
    monkeypatch.setenv("CRM_ELT_ENV_FILE", str(tmp_path / "no.env"))
    monkeypatch.setenv("CRM_ELT_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ENVIRONMENT", "dev")
    assert main(["quality"]) == 0
    assert capsys.readouterr().out == "file_rows_recovered: 0 file rows\n"
