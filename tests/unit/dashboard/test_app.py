"""The dashboard's pages run by Streamlit's AppTest (no browser) over a hand-made snapshot.

A snapshot published before a mart existed (or by a build that stopped before it) must not
break a page: the page names the table it waits for. The browser tests (tests/e2e) cover
pages over a full run, where every mart exists.
"""

from __future__ import annotations

import sys

import duckdb
import pytest
from streamlit.testing.v1 import AppTest

from crm_elt.dashboard.labels import label
from crm_elt.dashboard.pages import markdown_literal
from crm_elt.dashboard.snapshot import snapshot_path
from crm_elt.warehouse import ensure_elt_schema
from tests.conftest import make_settings

APP_TIMEOUT_S = 60


@pytest.fixture
def snapshot_without_marts(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    settings = make_settings(data_dir)
    path = snapshot_path(settings)
    path.parent.mkdir(parents=True, exist_ok=True)
    with duckdb.connect(str(path)) as con:
        ensure_elt_schema(con)
        con.execute("create schema marts")
    monkeypatch.setenv("CRM_ELT_DATA_DIR", str(data_dir))
    monkeypatch.setenv("CRM_ELT_ENV_FILE", str(tmp_path / "absent.env"))
    monkeypatch.setenv("ENVIRONMENT", "dev")
    # AppTest leaves its temporary script as sys.modules["__main__"]; a process spawned by a
    # later test would run that script as its main module and die before its target.
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    return settings


def run_page(page_name: str, language: str) -> None:
    # AppTest runs this function's body as the script, so it imports what it uses itself.
    import streamlit as st

    from crm_elt.dashboard import pages

    st.query_params["lang"] = language
    getattr(pages, page_name)()


@pytest.mark.parametrize(
    ("page", "tables"),
    [
        ("ltv_cac_page", ["marts.business_headlines", "marts.ltv_cac_by_cohort_channel"]),
        ("cac_page", ["marts.cac_by_month_channel"]),
        ("audiences_page", ["marts.audience_ilpi", "marts.audience_estetica"]),
        ("batch_page", ["marts.remarketing_batch"]),
        ("quality_page", ["marts.data_quality_report", "marts.contact_lineage"]),
    ],
)
@pytest.mark.parametrize("language", ["pt", "en"])
def test_a_page_names_the_marts_a_snapshot_lacks(snapshot_without_marts, page, tables, language):
    app = AppTest.from_function(run_page, args=(page, language), default_timeout=APP_TIMEOUT_S)
    app.run()
    assert not app.exception
    notices = [info.value for info in app.info]
    for table in tables:
        expected = label("mart_missing", language, table=table)
        assert expected in notices, (table, notices)


def test_table_cells_are_markdown_literals():
    assert markdown_literal("-") == "\\-"  # not a bullet
    assert markdown_literal("R$ 1.234,56") == "R\\$ 1\\.234\\,56"  # no math mode
    assert markdown_literal("**Ana** [x](y)") == "\\*\\*Ana\\*\\* \\[x\\]\\(y\\)"
    assert markdown_literal("João 12") == "João 12"
