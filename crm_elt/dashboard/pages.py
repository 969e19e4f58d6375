"""The dashboard's pages: thin Streamlit functions over `queries`, run by `app.py`.

Every page opens the published snapshot for its queries and closes it (`read`), so a run can
replace the snapshot at any moment. A table the snapshot lacks is named on the page instead.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime
from zoneinfo import ZoneInfo

import pandas as pd
import streamlit as st

from crm_elt.dashboard import queries
from crm_elt.dashboard.labels import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    column_label,
    format_date,
    format_datetime,
    format_frame,
    format_money,
    format_number,
    label,
)
from crm_elt.dashboard.snapshot import SnapshotMissing, open_snapshot
from crm_elt.settings import Settings, load_settings

# Bigger tables go to st.dataframe (scrollable, drawn on a canvas); smaller ones to st.table,
# whose text a reader (and a browser test) can select.
TABLE_ROW_LIMIT = 60
TOP_CONTACTS = 10
# ASCII punctuation: CommonMark lets a backslash make any of it literal.
MARKDOWN_SPECIAL = re.compile(r"[!-/:-@\[-`{-~]")
BUSINESS_TIME_ZONE = ZoneInfo("America/Sao_Paulo")


def settings() -> Settings:
    # Read on every page run, not once per process: .env and the environment may change.
    return load_settings()


def language() -> str:
    chosen = st.query_params.get("lang", DEFAULT_LANGUAGE)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def text(key: str, **values: object) -> str:
    return label(key, language(), **values)


def read(query: Callable, *args):
    """Run one query on the snapshot, or say on the page why there is nothing to show."""
    try:
        with open_snapshot(settings()) as con:
            return query(con, *args)
    except SnapshotMissing:
        st.info(text("snapshot_missing"))
    except queries.MartNotPublished as missing:
        st.info(text("mart_missing", table=missing.table))
    return None


def markdown_literal(value: str) -> str:
    """`value` escaped so Markdown shows it as it is: st.table renders each cell as Markdown,
    where a lone `-` (our "no value") becomes a bullet, `$...$` math and `**x**` (a name from
    a form) bold."""
    return MARKDOWN_SPECIAL.sub(r"\\\g<0>", value)


def show_table(frame: pd.DataFrame) -> None:
    shown = format_frame(frame, language())
    if len(shown) <= TABLE_ROW_LIMIT:
        shown = shown.map(markdown_literal)
        st.table(shown.set_index(shown.columns[0]) if len(shown.columns) > 1 else shown)
    else:
        st.dataframe(shown, hide_index=True)


def people_page() -> None:
    st.header(text("page_people"))
    totals = read(queries.people_totals)
    if totals is None:
        return
    lang = language()
    columns = st.columns(4)
    columns[0].metric(text("golden_contacts"), format_number(totals.golden_contacts, lang))
    columns[1].metric(text("source_records"), format_number(totals.source_records, lang))
    columns[2].metric(text("records_per_person"), format_number(totals.records_per_person, lang, 2))
    columns[3].metric(text("with_whatsapp"), format_number(totals.with_whatsapp, lang))
    st.subheader(text("by_source"))
    if (by_sources := read(queries.people_by_sources)) is not None:
        show_table(by_sources)
    st.subheader(text("acquired_by_month"))
    if (acquired := read(queries.contacts_acquired_by_month)) is not None:
        show_table(acquired)
    st.subheader(text("lookup"))
    query = st.text_input(text("lookup_help"), key="lookup")
    if query:
        answer = read(queries.look_up_person, query)
        if answer is not None and not answer.golden_contact_ids:
            st.warning(text("lookup_none", query=query))
        elif answer is not None:
            st.caption(text("lookup_why"))
            for explanation in answer.explanations:
                st.code(explanation, language=None, wrap_lines=True)


def quality_page() -> None:
    st.header(text("page_quality"))
    lang = language()
    trend = read(queries.runs)
    if trend is not None and len(trend):
        last = trend.iloc[-1]
        st.caption(f"{text('last_run')}: {format_datetime(last['started_at'], lang)}")
        columns = st.columns(4)
        columns[0].metric(text("runs"), format_number(len(trend), lang))
        columns[1].metric(text("records_received"), format_number(last["records_received"], lang))
        columns[2].metric(text("quarantined_rows"), format_number(last["quarantined_rows"], lang))
        columns[3].metric(text("failed_streams"), format_number(last["failed_streams"], lang))
        st.subheader(text("trend"))
        # A line per count: the pinned Altair 4 draws bars only stacked, which adds them up.
        st.line_chart(trend.set_index("run_number")[["records_received", "records_inserted"]])
        show_table(trend)
    st.subheader(text("quality_checks"))
    if (reported_runs := read(queries.data_quality_runs)) is not None:
        st.metric(text("reported_runs"), format_number(reported_runs, lang))
        if (checks := read(queries.data_quality_by_check)) is not None:
            show_table(checks)
        if (check_trend := read(queries.data_quality_trend)) is not None and len(check_trend) > 1:
            st.caption(text("quality_trend"))
            st.line_chart(check_trend)
        if (report := read(queries.data_quality_report)) is not None:
            st.subheader(text("quality_breakdown"))
            show_table(report)
    st.subheader(text("quarantine_by_reason"))
    if (reasons := read(queries.quarantine_by_reason)) is not None:
        show_table(reasons)
    st.subheader(text("identity_counts"))
    if (identities := read(queries.identities_by_source)) is not None:
        show_table(identities)


def blended_and_per_channel(frame: pd.DataFrame, blended: pd.Series) -> None:
    """The month's (or cohort's) blended `ALL` rows, then each channel's."""
    st.subheader(text("blended"))
    show_table(frame[blended])
    st.subheader(text("per_channel"))
    show_table(frame[~blended])


def ltv_cac_page() -> None:
    st.header(text("page_ltv_cac"))
    lang = language()
    if (figures := read(queries.headlines)) is not None:
        columns = st.columns(4)
        columns[0].metric(text("customers"), format_number(figures.customers, lang))
        columns[1].metric(
            text("customers_net_ltv"), format_money(figures.customers_net_ltv_brl, lang)
        )
        columns[2].metric(text("spend"), format_money(figures.spend_brl, lang))
        columns[3].metric(
            text("blended_ltv_cac"), format_number(figures.blended_ltv_cac_ratio, lang, 2)
        )
    if (frame := read(queries.ltv_cac_by_cohort_channel)) is not None:
        blended_and_per_channel(frame, frame["channel"] == "ALL")


def cac_page() -> None:
    st.header(text("page_cac"))
    frame = read(queries.cac_by_month_channel)
    if frame is None:
        return
    lang = language()
    blended = frame["is_blended"].astype(bool)
    # Over all months, from the blended rows alone: the channels' rows add up to them.
    spend = frame.loc[blended, "spend_brl"].sum()
    customers = frame.loc[blended, "new_customers"].sum()
    columns = st.columns(3)
    columns[0].metric(column_label("spend_brl", lang), format_money(spend, lang))
    columns[1].metric(column_label("new_customers", lang), format_number(customers, lang))
    columns[2].metric(
        text("blended_cac"), format_money(spend / customers if customers else None, lang)
    )
    blended_and_per_channel(frame.drop(columns="is_blended"), blended)


def audiences_page() -> None:
    st.header(text("page_audiences"))
    lang = language()
    for table, title in zip(
        queries.AUDIENCE_MARTS, ("audience_ilpi", "audience_estetica"), strict=True
    ):
        st.subheader(text(title))
        summary = read(queries.audience_summary, table)
        if summary is None:
            continue
        columns = st.columns(5)
        columns[0].metric(text("contacts"), format_number(summary.contacts, lang))
        columns[1].metric(
            text("reachable_whatsapp"), format_number(summary.reachable_by_whatsapp, lang)
        )
        columns[2].metric(text("reachable_email"), format_number(summary.reachable_by_email, lang))
        columns[3].metric(text("net_ltv_line_total"), format_money(summary.net_ltv_line_brl, lang))
        columns[4].metric(text("net_ltv_total"), format_money(summary.net_ltv_brl, lang))
        if (frame := read(queries.audience, table)) is not None:
            st.caption(text("most_valuable", count=TOP_CONTACTS))
            show_table(frame.head(TOP_CONTACTS))
            if len(frame) > TOP_CONTACTS:
                with st.expander(text("everyone", count=format_number(len(frame), lang))):
                    st.dataframe(format_frame(frame, lang), hide_index=True)


def batch_page() -> None:
    st.header(text("page_batch"))
    lang = language()
    batch = read(queries.remarketing_batch)
    day = read(queries.batch_day) if batch is not None else None
    if batch is not None and day is not None:
        st.subheader(text("batch_date", day=format_date(day, lang)))
        columns = st.columns(3)
        columns[0].metric(text("batch_size"), format_number(len(batch), lang))
        columns[1].metric(
            text("with_whatsapp"), format_number(batch["whatsapp_phone"].notna().sum(), lang)
        )
        columns[2].metric(text("net_ltv_total"), format_money(batch["net_ltv_brl"].sum(), lang))
    else:
        day = datetime.now(BUSINESS_TIME_ZONE).date()
    export = queries.export_file(settings(), day)
    shown_day = format_date(day, lang)
    if export.is_file():
        st.download_button(
            text("download_export", day=shown_day),
            data=export.read_bytes(),
            file_name=export.name,
            mime="text/csv",
        )
    else:
        st.info(text("export_missing", day=shown_day, path=export))
    if batch is not None:
        show_table(batch.drop(columns="run_date"))
