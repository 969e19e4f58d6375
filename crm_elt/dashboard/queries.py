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

from crm_elt.identity.why import explain, find_golden_ids
from crm_elt.settings import Settings

AUDIENCE_MARTS = ("marts.audience_ilpi", "marts.audience_estetica")


class MartNotPublished(Exception):
    """The snapshot has no such table yet (the mart is built by a later version)."""

    def __init__(self, table: str):
        super().__init__(table)
        self.table = table


def has_table(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, _, name = table.partition(".")
    return bool(
        con.execute(
            "select count(*) from information_schema.tables "
            "where table_schema = ? and table_name = ?",
            [schema, name],
        ).fetchall()[0][0]
    )


def _frame(con: duckdb.DuckDBPyConnection, sql: str, parameters: list | None = None):
    return con.execute(sql, parameters or []).df()


def _mart(con: duckdb.DuckDBPyConnection, table: str, order_by: str | None = None) -> pd.DataFrame:
    """Every row of one mart, or MartNotPublished."""
    if not has_table(con, table):
        raise MartNotPublished(table)
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
    return _mart(con, "marts.data_quality_report")


# Revenue, audiences, remarketing -----------------------------------------------------------


def ltv_cac_by_cohort_channel(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _mart(con, "marts.ltv_cac_by_cohort_channel", order_by="all")


def cac_by_month_channel(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if not has_table(con, "marts.cac_by_month_channel"):
        raise MartNotPublished("marts.cac_by_month_channel")
    return _frame(
        con,
        "select month, channel, spend_brl, new_customers, cac_brl "
        "from marts.cac_by_month_channel order by month, channel",
    )


def audience(con: duckdb.DuckDBPyConnection, table: str) -> pd.DataFrame:
    if table not in AUDIENCE_MARTS:
        raise ValueError(f"{table} is not an audience (expected one of {AUDIENCE_MARTS})")
    return _mart(con, table, order_by="golden_contact_id")


def remarketing_batch(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    if not has_table(con, "marts.remarketing_batch"):
        raise MartNotPublished("marts.remarketing_batch")
    return _frame(con, "select * from marts.remarketing_batch order by run_date, priority_rank")


def export_path(settings: Settings, day: date) -> Path:
    """Where the remarketing export of `day` is written (issue 12, part 1)."""
    return (
        settings.data_dir / "output" / "remarketing" / settings.environment / f"{day:%Y-%m-%d}.csv"
    )
