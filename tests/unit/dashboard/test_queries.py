"""The dashboard's query functions on a small hand-made warehouse (no Streamlit)."""

from __future__ import annotations

from datetime import datetime, timedelta

import duckdb
import pytest

from crm_elt.dashboard import queries
from crm_elt.warehouse import QuarantinedRow, ensure_elt_schema, quarantine_rows


def log(con, load_id: str, source: str, started: datetime, received: int, outcome="success"):
    con.execute(
        "insert into _elt.load_log by name select ? as load_id, ? as source, 'all' as stream, "
        "? as started_at, ? as finished_at, 1 as pages, ? as records_received, "
        "? as records_inserted, 0 as retries, 1.0 as duration_s, ? as outcome, "
        "null as error, 1 as requests",
        [load_id, source, started, started + timedelta(seconds=5), received, received, outcome],
    )


@pytest.fixture
def con():
    with duckdb.connect() as con:
        ensure_elt_schema(con)
        yield con


def test_loads_group_into_runs_that_start_with_hubspot_or_after_a_pause(con):
    day = datetime(2026, 11, 1, 6, 0)
    log(con, "a1", "hubspot", day, 10)
    log(con, "a2", "hotmart", day + timedelta(seconds=10), 5)
    log(con, "a3", "manychat", day + timedelta(seconds=20), 3, outcome="failed")
    log(con, "b1", "hubspot", day + timedelta(minutes=3), 7)  # the next run of the pipeline
    log(con, "c1", "manychat", day + timedelta(hours=2), 2)  # extracted alone, later
    quarantine_rows(
        con,
        "a3",
        [QuarantinedRow("manychat", "subscribers", "x.csv", 2, "id", "bad id", "...")] * 2,
    )
    frame = queries.runs(con)
    assert frame[
        ["run_number", "sources", "records_received", "failed_streams"]
    ].values.tolist() == [
        [1, "hotmart + hubspot + manychat", 18, 1],
        [2, "hubspot", 7, 0],
        [3, "manychat", 2, 0],
    ]
    assert frame["quarantined_rows"].tolist() == [2, 0, 0]


def test_a_mart_not_built_yet_is_named_not_crashed_on(con):
    for query in (
        queries.cac_by_month_channel,
        queries.ltv_cac_by_cohort_channel,
        queries.headlines,
        queries.remarketing_batch,
        queries.batch_day,
        queries.data_quality_report,
        queries.data_quality_by_check,
        queries.data_quality_trend,
        queries.data_quality_runs,
        queries.people_totals,
    ):
        with pytest.raises(queries.MartNotPublished) as missing:
            query(con)
        assert missing.value.table.startswith("marts."), query


def test_audience_reads_only_the_two_audiences(con):
    con.execute("create schema marts")
    con.execute(
        "create table marts.audience_ilpi as select * from (values "
        "('gc_1', 'Ana', ['purchase'], 10.0, 12.5, null::timestamp, true, false), "
        "('gc_2', 'Bia', ['manychat_tag:ilpi'], 30.0, 30.0, null::timestamp, false, true), "
        "('gc_3', 'Caio', ['purchase'], 0.0, 0.0, null::timestamp, true, true)"
        ") as t(golden_contact_id, full_name, signals, net_ltv_line_brl, net_ltv_brl, "
        "last_line_purchase_at, is_reachable_by_whatsapp, is_reachable_by_email)"
    )
    frame = queries.audience(con, "marts.audience_ilpi")
    assert frame["golden_contact_id"].tolist() == ["gc_2", "gc_1", "gc_3"]  # by line LTV
    assert queries.audience_summary(con, "marts.audience_ilpi") == queries.AudienceSummary(
        contacts=3,
        reachable_by_whatsapp=2,
        reachable_by_email=2,
        net_ltv_brl=42.5,
        net_ltv_line_brl=40.0,
    )
    with pytest.raises(queries.MartNotPublished):
        queries.audience(con, "marts.audience_estetica")
    with pytest.raises(ValueError, match="not an audience"):
        queries.audience_summary(con, "marts.dim_contacts")


def test_cac_puts_each_months_blended_row_first(con):
    con.execute("create schema marts")
    con.execute(
        "create table marts.cac_by_month_channel as select * from (values "
        "(date '2026-02-01', 'paid_social', 50.0, 1, 50.0, 'paid', false, true), "
        "(date '2026-01-01', 'paid_social', 100.0, 4, 25.0, 'paid', false, true), "
        "(date '2026-01-01', 'ALL', 100.0, 5, 20.0, 'paid', true, true), "
        "(date '2026-01-01', 'affiliate', 0.0, 1, 0.0, 'organic', false, true)"
        ") as t(month, channel, spend_brl, new_customers, cac_brl, cac_status, is_blended, "
        "extra_column)"
    )
    frame = queries.cac_by_month_channel(con)
    assert "extra_column" not in frame.columns
    assert frame[["channel", "is_blended"]].values.tolist() == [
        ["ALL", True],
        ["affiliate", False],
        ["paid_social", False],
        ["paid_social", False],
    ]


def test_quality_checks_compare_the_last_dbt_run_with_the_one_before(con):
    con.execute("create schema marts")
    con.execute(
        "create table marts.data_quality_report as select * from (values "
        "('r1', timestamp '2026-01-01 06:00', 'emails', 'emails_invalid', 'hubspot', 'email', "
        "null, 4, 'source records'), "
        "('r1', timestamp '2026-01-01 06:00', 'phones', 'phones_unnormalized', 'hubspot', "
        "'mobilephone', null, 2, 'source records'), "
        "('r2', timestamp '2026-01-02 06:00', 'emails', 'emails_invalid', 'hubspot', 'email', "
        "null, 3, 'source records'), "
        "('r2', timestamp '2026-01-02 06:00', 'emails', 'emails_invalid', 'manychat', 'email', "
        "null, 2, 'source records'), "
        "('r2', timestamp '2026-01-02 06:00', 'phones', 'phones_unnormalized', null, null, "
        "null, 0, 'source records')"
        ") as t(run_id, run_started_at, area, check_name, source, field, detail, item_count, "
        "unit)"
    )
    assert queries.data_quality_runs(con) == 2
    checks = queries.data_quality_by_check(con)
    assert checks[["check_name", "last_run", "previous_run", "change"]].values.tolist() == [
        ["emails_invalid", 5, 4, 1],
        ["phones_unnormalized", 0, 2, -2],
    ]
    report = queries.data_quality_report(con)
    assert report["item_count"].tolist() == [3, 2, 0]  # the last run's rows only
    trend = queries.data_quality_trend(con)
    assert trend.to_dict("list") == {"emails_invalid": [4, 5], "phones_unnormalized": [2, 0]}


def test_batch_day_is_the_marts_run_date_and_its_export_the_exporters_file(con, settings):
    con.execute("create schema marts")
    con.execute(
        "create table marts.remarketing_batch as select date '2026-03-09' as run_date, "
        "1 as priority_rank, 'gc_1' as golden_contact_id, 'Ana' as full_name, "
        "'+5511999990000' as whatsapp_phone, null as email, 'ilpi' as audiences, "
        "12.5 as net_ltv_brl, 'bought ilpi' as why_selected, 'mc_1' as manychat_subscriber_id"
    )
    assert queries.remarketing_batch(con)["golden_contact_id"].tolist() == ["gc_1"]
    day = queries.batch_day(con)
    assert day == datetime(2026, 3, 9).date()
    path = queries.export_file(settings, day)
    assert path == settings.data_dir / "output" / "remarketing" / "dev" / "2026-03-09.csv"


def test_empty_lookup_asks_nothing(con):
    assert queries.look_up_person(con, "   ") == queries.PersonAnswer([], [])
