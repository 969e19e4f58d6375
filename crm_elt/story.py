"""The closing story of `make run`: what came in, who it turned out to be, and what to open next.

Every figure comes from one row of `marts.business_headlines` (each read there from the mart
that defines it) and from the data-quality report, so the story never disagrees with the marts.
"""

from __future__ import annotations

from collections.abc import Sequence

import duckdb

from crm_elt.dashboard.labels import format_money
from crm_elt.quality import quality_summary

HEADLINES_TABLE = "marts.business_headlines"
# The data-quality checks a newcomer is told about; the rest are in `python -m crm_elt quality`.
STORY_QUALITY_CHECKS = (
    "duplicates_merged_within_source",
    "emails_domain_repaired",
    "phones_ninth_digit_added",
    "phones_unnormalized",
    "file_rows_quarantined",
)
# How each identity rule reads in a sentence.
RULE_WORDS = {
    "same_phone": "the same phone",
    "same_email": "the same email",
    "same_local_phone": "the same local number",
    "same_document": "the same CPF/CNPJ",
    "hubspot_merge": "a merge in HubSpot",
    "same_name_and_email_user": "the same name and email user name",
}
NEXT_COMMANDS = (
    ("make dashboard", "the dashboard at http://127.0.0.1:8501"),
    ("make ui", "the Mage pipeline at http://127.0.0.1:6789"),
    ("make docs", "the dbt docs and lineage at http://127.0.0.1:8080"),
    (".venv/bin/python -m crm_elt why <email or phone>", "why some records are one person"),
)


def read_headlines(con: duckdb.DuckDBPyConnection) -> dict | None:
    """The headline row, or None when this warehouse has no such mart yet (dbt never built)."""
    try:
        cursor = con.execute(f"select * from {HEADLINES_TABLE}")
    except duckdb.CatalogException:
        return None
    row = cursor.fetchall()
    if not row:
        return None
    return dict(zip((column[0] for column in cursor.description), row[0], strict=True))


def _count(value: int) -> str:
    return f"{value:,}"


def _links_sentence(links_by_rule: Sequence[dict] | None) -> str:
    if not links_by_rule:
        return "no two records shared enough to be joined"
    parts = [
        f"{RULE_WORDS.get(item['rule'], item['rule'])} ({_count(item['links'])} links)"
        for item in links_by_rule[:3]
    ]
    return "joined by " + ", ".join(parts)


def story_lines(h: dict, quality: Sequence[str], delivered: Sequence[str]) -> list[str]:
    ratio = h["blended_ltv_cac_ratio"]
    lines = [
        f"What this run found ({h['run_date']:%d/%m/%Y}):",
        f"  Read {_count(h['hubspot_records'])} HubSpot contacts, {_count(h['hotmart_records'])} "
        f"Hotmart buyers and {_count(h['manychat_records'])} ManyChat subscribers.",
        f"  They are {_count(h['golden_contacts'])} real people "
        f"({_count(h['golden_contacts_in_several_sources'])} of them in more than one source), "
        f"{_links_sentence(h['accepted_links_by_rule'])}.",
        f"  Net revenue {format_money(h['net_revenue_brl'], 'pt')} "
        f"(gross {format_money(h['gross_revenue_brl'], 'pt')}, refunded "
        f"{format_money(h['refunded_brl'], 'pt')}) from {_count(h['customers'])} customers; "
        f"marketing spend {format_money(h['spend_brl'], 'pt')}; blended LTV:CAC "
        + (f"{ratio:.2f}".replace(".", ",") if ratio is not None else "n/a (no spend)")
        + ".",
        f"  Audiences: ILPI {_count(h['audience_ilpi_contacts'])} people, estética "
        f"{_count(h['audience_estetica_contacts'])}.",
        f"  Today's remarketing batch: {_count(h['remarketing_batch_contacts'])} people.",
    ]
    lines += [f"  {line[0].upper()}{line[1:]}" for line in delivered]
    if quality:
        lines.append("Data quality (all checks: .venv/bin/python -m crm_elt quality):")
        lines += [f"  {line}" for line in quality]
    lines.append("Next:")
    width = max(len(command) for command, _ in NEXT_COMMANDS)
    lines += [f"  {command.ljust(width)}  {what}" for command, what in NEXT_COMMANDS]
    return lines


def run_story(con: duckdb.DuckDBPyConnection, delivered: Sequence[str] = ()) -> list[str]:
    """The story of the warehouse's latest build; the delivery lines as the steps told them."""
    headlines = read_headlines(con)
    if headlines is None:
        missing = f"No {HEADLINES_TABLE} in the warehouse: dbt build has not run."
        return [missing, *(f"{line[0].upper()}{line[1:]}" for line in delivered)]
    return story_lines(headlines, quality_summary(con, only=STORY_QUALITY_CHECKS), delivered)
