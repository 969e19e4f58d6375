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
        queries.remarketing_batch,
        queries.data_quality_report,
        queries.people_totals,
    ):
        with pytest.raises(queries.MartNotPublished) as missing:
            query(con)
        assert missing.value.table.startswith("marts.")


def test_audience_reads_only_the_two_audiences(con):
    con.execute("create schema marts")
    con.execute("create table marts.audience_ilpi as select 'gc_1' as golden_contact_id")
    assert queries.audience(con, "marts.audience_ilpi")["golden_contact_id"].tolist() == ["gc_1"]
    with pytest.raises(queries.MartNotPublished):
        queries.audience(con, "marts.audience_estetica")
    with pytest.raises(ValueError, match="not an audience"):
        queries.audience(con, "marts.dim_contacts")


def test_cac_reads_the_columns_issue_11_names(con):
    con.execute("create schema marts")
    con.execute(
        "create table marts.cac_by_month_channel as select date '2026-01-01' as month, "
        "'paid_social' as channel, 100.0 as spend_brl, 4 as new_customers, 25.0 as cac_brl, "
        "true as extra_column"
    )
    frame = queries.cac_by_month_channel(con)
    assert list(frame.columns) == ["month", "channel", "spend_brl", "new_customers", "cac_brl"]


def test_export_path_is_per_environment_and_day(settings):
    path = queries.export_path(settings, datetime(2026, 3, 9).date())
    assert path == settings.data_dir / "output" / "remarketing" / "dev" / "2026-03-09.csv"


def test_empty_lookup_asks_nothing(con):
    assert queries.look_up_person(con, "   ") == queries.PersonAnswer([], [])
