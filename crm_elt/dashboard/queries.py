"""What each dashboard page reads: one small function per question, over an open snapshot.

Each function takes a DuckDB connection (the snapshot's, see `snapshot.open_snapshot`) and
returns a DataFrame or a small record, so it is tested without Streamlit. A page whose mart
is not in the snapshot yet gets `MartNotPublished`, which the page says in plain words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd

from crm_elt.exporters.remarketing_csv import BATCH_TABLE, batch_run_date, export_path
from crm_elt.identity.why import explain, find_golden_ids
from crm_elt.settings import Settings
from crm_elt.warehouse import has_table

AUDIENCE_MARTS = ("marts.audience_ilpi", "marts.audience_estetica")
QUALITY_REPORT = "marts.data_quality_report"


class MartNotPublished(Exception):
    """The snapshot has no such table (yet): a snapshot of a run before the mart existed, or
    of a build that stopped before it."""

    def __init__(self, table: str):
        super().__init__(table)
        self.table = table


def _frame(con: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None):
    return con.execute(sql, parameters or []).df()


def _require(con: duckdb.DuckDBPyConnection, table: str) -> None:
    if not has_table(con, table):
        raise MartNotPublished(table)


def _mart(con: duckdb.DuckDBPyConnection, table: str, order_by: str | None = None) -> pd.DataFrame:
    """Every row of one mart, or MartNotPublished."""
    _require(con, table)
    return _frame(con, f"select * from {table}" + (f" order by {order_by}" if order_by else ""))


# People ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PeopleTotals:
    golden_contacts: int
    source_records: int
    with_whatsapp: int

    @property
    def records_per_person(self) -> float:
        return self.source_records / self.golden_contacts if self.golden_contacts else 0.0


def people_totals(con: duckdb.DuckDBPyConnection) -> PeopleTotals:
    if not has_table(con, "marts.dim_contacts"):
        raise MartNotPublished("marts.dim_contacts")
    golden, records, whatsapp = con.execute(
        "select count(*), coalesce(sum(identities), 0), count(whatsapp_phone) "
        "from marts.dim_contacts"
    ).fetchall()[0]
    return PeopleTotals(int(golden), int(records), int(whatsapp))


def people_by_sources(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Golden contacts per combination of sources their records come from (e.g. hotmart+hubspot)."""
    if not has_table(con, "marts.dim_contacts"):
        raise MartNotPublished("marts.dim_contacts")
    return _frame(
        con,
        """
        select array_to_string(list_sort(sources), ' + ') as sources, count(*) as people
        from marts.dim_contacts
        group by all
        order by people desc, sources
        """,
    )


def contacts_acquired_by_month(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _mart(con, "marts.fct_contacts_acquired_by_month", order_by="all")


@dataclass(frozen=True)
class PersonAnswer:
    """A lookup's golden contacts and, for each, the `why` explanation of its cluster."""

    golden_contact_ids: list[str]
    explanations: list[str]


def look_up_person(con: duckdb.DuckDBPyConnection, query: str) -> PersonAnswer:
    """The golden contacts an email, phone or id matches, explained as `crm_elt why` does."""
    if not query.strip():
        return PersonAnswer([], [])
    golden_ids = find_golden_ids(con, query)
    return PersonAnswer(golden_ids, [explain(con, golden_id) for golden_id in golden_ids])


# Data quality ------------------------------------------------------------------------------


# A run is the loads of one pipeline run: it begins with the first block's source (HubSpot), or
# with any load after a pause longer than this (a source extracted on its own, by the CLI).
RUN_PAUSE_MINUTES = 10


def runs(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """One row per run, oldest first: records received and inserted, failures, quarantine."""
    if not has_table(con, "_elt.load_log"):
        raise MartNotPublished("_elt.load_log")
    return _frame(
        con,
        f"""
        with loads as (
            select load_id, source, min(started_at) as started_at,
                max(finished_at) as finished_at,
                sum(records_received) as records_received,
                sum(records_inserted) as records_inserted,
                count(*) filter (where outcome = 'failed') as failed_streams
            from _elt.load_log
            group by load_id, source
        ),
        numbered as (
            select *, (
                sum(starts_run::int) over (
                    order by started_at, load_id rows unbounded preceding
                )
            )::bigint as run_number
            from (
                select *, source = 'hubspot'
                    or coalesce(
                        started_at - lag(finished_at) over (order by started_at, load_id)
                            > interval {RUN_PAUSE_MINUTES} minute,
                        true
                    ) as starts_run
                from loads
            )
        ),
        quarantined as (
            select load_id, count(*) as rows from _elt.quarantine group by load_id
        )
        select run_number, min(started_at) as started_at,
            array_to_string(list_sort(list(distinct source)), ' + ') as sources,
            sum(records_received)::bigint as records_received,
            sum(records_inserted)::bigint as records_inserted,
            sum(failed_streams)::bigint as failed_streams,
            coalesce(sum(quarantined.rows), 0)::bigint as quarantined_rows
        from numbered
        left join quarantined using (load_id)
        group by run_number
        order by run_number
        """,
    )


def quarantine_by_reason(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if not has_table(con, "_elt.quarantine"):
        raise MartNotPublished("_elt.quarantine")
    return _frame(
        con,
        """
        select source, entity, reason, count(*) as rows
        from _elt.quarantine
        group by all
        order by rows desc, source, entity, reason
        """,
    )


def identities_by_source(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Source records (identities) per source, and the golden contacts they resolved into."""
    if not has_table(con, "marts.contact_lineage"):
        raise MartNotPublished("marts.contact_lineage")
    return _frame(
        con,
        """
        select source, count(*) as identities,
            count(distinct golden_contact_id) as golden_contacts
        from marts.contact_lineage
        group by source
        order by source
        """,
    )


def data_quality_report(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The last dbt run's checks, one row per check and breakdown, biggest counts first."""
    _require(con, QUALITY_REPORT)
    return _frame(
        con,
        f"""
        select area, check_name, source, field, detail, item_count, unit
        from {QUALITY_REPORT}
        where run_id = (
            select run_id from {QUALITY_REPORT} order by run_started_at desc, run_id limit 1
        )
        order by area, check_name, item_count desc, source, field, detail
        """,
    )


def data_quality_by_check(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each check's count in the last dbt run and in the run before it (null for a first run),
    the check first: a page shows it as the row's heading."""
    _require(con, QUALITY_REPORT)
    return _frame(
        con,
        f"""
        with runs as (
            select run_id, row_number() over (order by run_started_at desc, run_id) as age
            from (select distinct run_id, run_started_at from {QUALITY_REPORT})
        ),
        totals as (
            select report.area, report.check_name, report.unit, runs.age,
                sum(report.item_count)::bigint as item_count
            from {QUALITY_REPORT} as report
            join runs using (run_id)
            where runs.age <= 2
            group by all
        )
        select check_name, area,
            max(item_count) filter (where age = 1) as last_run,
            max(item_count) filter (where age = 2) as previous_run,
            (max(item_count) filter (where age = 1)
                - max(item_count) filter (where age = 2))::bigint as change,
            any_value(unit) as unit
        from totals
        group by check_name, area
        order by area, check_name
        """,
    )


def data_quality_runs(con: duckdb.DuckDBPyConnection) -> int:
    """How many dbt runs the report holds (it keeps every run's rows)."""
    _require(con, QUALITY_REPORT)
    return int(con.execute(f"select count(distinct run_id) from {QUALITY_REPORT}").fetchall()[0][0])


def data_quality_trend(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each check's count per dbt run, oldest run first: one column per check, a row per run."""
    _require(con, QUALITY_REPORT)
    counts = _frame(
        con,
        f"""
        select run_started_at, check_name, sum(item_count)::bigint as item_count
        from {QUALITY_REPORT}
        group by all
        order by run_started_at, check_name
        """,
    )
    return counts.pivot(index="run_started_at", columns="check_name", values="item_count")


# Revenue, audiences, remarketing -----------------------------------------------------------


@dataclass(frozen=True)
class Headlines:
    """The run's headline figures (`marts.business_headlines`, the figures `make run` tells)."""

    customers: int
    customers_net_ltv_brl: float
    spend_brl: float
    blended_ltv_cac_ratio: float | None


def headlines(con: duckdb.DuckDBPyConnection) -> Headlines:
    _require(con, "marts.business_headlines")
    row = _frame(
        con,
        "select customers, customers_net_ltv_brl, spend_brl, blended_ltv_cac_ratio "
        "from marts.business_headlines",
    )
    if row.empty:
        return Headlines(0, 0.0, 0.0, None)
    first = row.iloc[0]
    ratio = first["blended_ltv_cac_ratio"]
    return Headlines(
        int(first["customers"]),
        float(first["customers_net_ltv_brl"]),
        float(first["spend_brl"]),
        None if pd.isna(ratio) else float(ratio),
    )


def ltv_cac_by_cohort_channel(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each cohort and channel, the cohort's blended `ALL` row first within its month."""
    _require(con, "marts.ltv_cac_by_cohort_channel")
    return _frame(
        con,
        "select cohort_month, channel, customers, avg_net_ltv_brl, avg_net_ltv_90d_brl, "
        "cac_brl, ltv_cac_ratio, ltv_cac_90d_ratio, cac_payback_months, payback_status "
        "from marts.ltv_cac_by_cohort_channel "
        "order by cohort_month, channel <> 'ALL', channel",
    )


def cac_by_month_channel(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Each month and channel, the month's blended `ALL` row (`is_blended`) first."""
    _require(con, "marts.cac_by_month_channel")
    return _frame(
        con,
        "select month, channel, spend_brl, new_customers, cac_brl, cac_status, is_blended "
        "from marts.cac_by_month_channel order by month, not is_blended, channel",
    )


@dataclass(frozen=True)
class AudienceSummary:
    contacts: int
    reachable_by_whatsapp: int
    reachable_by_email: int
    net_ltv_brl: float
    net_ltv_line_brl: float


def audience_summary(con: duckdb.DuckDBPyConnection, table: str) -> AudienceSummary:
    """The audience's size, its reach per channel, and its net LTV (all lines, and its own)."""
    _require_audience(con, table)
    contacts, whatsapp, email, ltv, line_ltv = con.execute(
        f"select count(*), count(*) filter (where is_reachable_by_whatsapp), "
        f"count(*) filter (where is_reachable_by_email), "
        f"coalesce(sum(net_ltv_brl), 0)::double, coalesce(sum(net_ltv_line_brl), 0)::double "
        f"from {table}"
    ).fetchall()[0]
    return AudienceSummary(int(contacts), int(whatsapp), int(email), ltv, line_ltv)


def audience(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    """The audience's contacts, the most valuable in its line first."""
    _require_audience(con, table)
    return _frame(
        con,
        f"select golden_contact_id, full_name, signals, net_ltv_line_brl, net_ltv_brl, "
        f"last_line_purchase_at, is_reachable_by_whatsapp, is_reachable_by_email from {table} "
        f"order by net_ltv_line_brl desc, golden_contact_id",
    )


def _require_audience(con: duckdb.DuckDBPyConnection, table: str) -> None:
    if table not in AUDIENCE_MARTS:
        raise ValueError(f"{table} is not an audience (expected one of {AUDIENCE_MARTS})")
    _require(con, table)


def remarketing_batch(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """The batch the last run built (the mart holds one run date), in priority order."""
    _require(con, BATCH_TABLE)
    return _frame(
        con,
        "select run_date, priority_rank, golden_contact_id, full_name, whatsapp_phone, email, "
        f"audiences, net_ltv_brl, why_selected from {BATCH_TABLE} "
        "order by run_date, priority_rank, golden_contact_id",
    )


def batch_day(con: duckdb.DuckDBPyConnection) -> date:
    """The day of the batch in the snapshot, the day whose export the batch page offers."""
    _require(con, BATCH_TABLE)
    return batch_run_date(con)


def export_file(settings: Settings, day: date) -> Path:
    """The remarketing export of `day`, as the `export_remarketing_csv` block writes it."""
    return export_path(settings, day)
