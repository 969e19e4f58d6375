"""The data-quality report (`marts.data_quality_report`, built by dbt) as plain lines.

One line per check for the latest run: its total, its largest breakdowns, and how it moved
since the previous run, e.g.

    phones_unnormalized: 352 source records (hubspot mobilephone no_area_code 156, hubspot
    phone no_area_code 85, hotmart cellphone no_area_code 67, 1 more); +4 since the previous run

(one line, wrapped here).

A check's total is its row without breakdown when it has one (golden_contacts: all sources,
beside one row per source), else the sum of its rows (whose breakdowns do not overlap).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import duckdb

from crm_elt.warehouse import has_table

REPORT_TABLE = "marts.data_quality_report"


@dataclass(frozen=True)
class CheckCount:
    check_name: str
    area: str
    unit: str
    total: int
    previous_total: int | None  # None when there is no previous run or it lacked the check
    breakdown: tuple[tuple[str, int], ...]  # (label, count), largest first


def latest_checks(con: duckdb.DuckDBPyConnection) -> list[CheckCount]:
    """The checks of the latest run, by area and name; empty when no run was reported."""
    if not has_table(con, REPORT_TABLE):
        return []
    rows = con.execute(
        f"""
        with runs as (
            select run_id, row_number() over (order by max(run_started_at) desc) as age
            from {REPORT_TABLE}
            group by run_id
        ),
        rows_of_last_two as (
            select runs.age, report.*
            from {REPORT_TABLE} as report
            inner join runs on report.run_id = runs.run_id
            where runs.age <= 2
        )
        select
            age, check_name, area, unit, item_count,
            source is null and field is null and detail is null as is_total,
            concat_ws(' ', source, field, detail) as label
        from rows_of_last_two
        order by age, area, check_name, item_count desc, label
        """
    ).fetchall()
    latest: dict[str, dict] = {}
    previous: dict[str, list[tuple[bool, int]]] = {}
    for age, check_name, area, unit, count, is_total, label in rows:
        if age == 2:
            previous.setdefault(check_name, []).append((is_total, count))
            continue
        check = latest.setdefault(
            check_name, {"area": area, "unit": unit, "rows": [], "breakdown": []}
        )
        check["rows"].append((is_total, count))
        if not is_total:
            check["breakdown"].append((label, count))
    return [
        CheckCount(
            check_name=name,
            area=check["area"],
            unit=check["unit"],
            total=_total(check["rows"]),
            previous_total=_total(previous[name]) if name in previous else None,
            breakdown=tuple(check["breakdown"]),
        )
        for name, check in latest.items()
    ]


def summary_lines(
    checks: Sequence[CheckCount], *, only: Sequence[str] | None = None, breakdowns: int = 3
) -> list[str]:
    """One line per check (those named in `only`, in that order, when given)."""
    by_name = {check.check_name: check for check in checks}
    chosen = [by_name[name] for name in only if name in by_name] if only else list(checks)
    return [_line(check, breakdowns) for check in chosen]


def quality_summary(
    con: duckdb.DuckDBPyConnection, *, only: Sequence[str] | None = None
) -> list[str]:
    """The latest run's checks as lines; one line saying so when there is no report yet."""
    checks = latest_checks(con)
    if not checks:
        return [f"No data-quality report yet ({REPORT_TABLE} is built by dbt build)."]
    return summary_lines(checks, only=only)


def _line(check: CheckCount, breakdowns: int) -> str:
    line = f"{check.check_name}: {check.total:,} {check.unit}"
    shown = check.breakdown[:breakdowns]
    if shown:
        parts = [f"{label} {count:,}" for label, count in shown]
        if len(check.breakdown) > breakdowns:
            parts.append(f"{len(check.breakdown) - breakdowns} more")
        line += f" ({', '.join(parts)})"
    if check.previous_total is not None and check.previous_total != check.total:
        line += f"; {check.total - check.previous_total:+,} since the previous run"
    return line


def _total(rows: list[tuple[bool, int]]) -> int:
    totals = [count for is_total, count in rows if is_total]
    return totals[0] if totals else sum(count for _, count in rows)
