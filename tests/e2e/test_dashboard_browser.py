"""The dashboard in a real browser, over a warehouse that `python -m crm_elt run` built.

Every page renders in both languages, its numbers equal the marts, the person lookup explains
a real email, and a second run of the whole pipeline succeeds while the dashboard is open and
a reader holds the snapshot. Screenshots go to each test's `tmp_path`.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import time
from pathlib import Path

import duckdb
import pytest
import requests

from crm_elt.dashboard.__main__ import streamlit_command
from crm_elt.dashboard.labels import format_number, label
from crm_elt.dashboard.snapshot import snapshot_path
from tests.conftest import PROJECT_ROOT, free_port, make_settings
from tests.e2e.test_make_run import run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
SEED, CONTACTS = 11, 300
START_TIMEOUT_S = 90
RENDERED = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# url path -> (page title label, the tables its numbers come from)
PAGES = {
    "": ("page_people", ["marts.dim_contacts", "marts.fct_contacts_acquired_by_month"]),
    "quality": ("page_quality", ["_elt.load_log", "marts.data_quality_report"]),
    "ltv-cac": ("page_ltv_cac", ["marts.ltv_cac_by_cohort_channel"]),
    "cac": ("page_cac", ["marts.cac_by_month_channel"]),
    "audiences": ("page_audiences", ["marts.audience_ilpi", "marts.audience_estetica"]),
    "batch": ("page_batch", ["marts.remarketing_batch"]),
}


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def dashboard(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dashboard")
    data_dir = folder / "data"
    sandbox_port = free_port()
    first = run_cli(data_dir, sandbox_port, "run", "--seed", str(SEED), "--contacts", str(CONTACTS))
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    port = free_port()
    env = {
        **os.environ,
        "CRM_ELT_DATA_DIR": str(data_dir),
        "CRM_ELT_ENV_FILE": str(folder / "absent.env"),
        "ENVIRONMENT": "dev",
    }
    process = subprocess.Popen(
        streamlit_command(port),
        cwd=PROJECT_ROOT,
        env=env,
        stdout=(folder / "streamlit.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if requests.get(f"{url}/_stcore/health", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None, "streamlit exited"
            assert time.monotonic() < deadline, "streamlit did not answer in time"
            time.sleep(0.5)
        yield {
            "url": url,
            "data_dir": data_dir,
            "sandbox_port": sandbox_port,
            "settings": make_settings(data_dir),
        }
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


@pytest.fixture
def page(chromium):
    # A tall viewport: Streamlit scrolls inside the page, so full-page screenshots stop at it.
    context = chromium.new_context(viewport={"width": 1400, "height": 3000})
    page = context.new_page()
    yield page
    context.close()


def open_page(page, url: str) -> None:
    page.goto(url, timeout=60_000)
    page.wait_for_selector(RENDERED, timeout=60_000)
    page.wait_for_selector('[data-testid="stHeading"]', timeout=30_000)


def metric(page, name: str) -> str:
    card = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=name)
    )
    return card.locator('[data-testid="stMetricValue"]').first.inner_text().strip()


def warehouse(dashboard) -> Path:
    return dashboard["settings"].warehouse_path


@pytest.mark.parametrize("language", ["pt", "en"])
@pytest.mark.parametrize("path", list(PAGES), ids=lambda path: path or "people")
def test_every_page_renders_without_an_error(dashboard, page, tmp_path, path, language):
    open_page(page, f"{dashboard['url']}/{path}?lang={language}")
    title, tables = PAGES[path]
    page.get_by_role("heading", name=label(title, language)).first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    published = {
        f"{schema}.{name}"
        for schema, name in query(
            snapshot_path(dashboard["settings"]),
            "select table_schema, table_name from information_schema.tables",
        )
    }
    missing_prefix = label("mart_missing", language, table="").split("`")[0]
    for table in tables:
        # A mart not built yet is named on the page; one that is, never.
        notice = page.locator('[data-testid="stAlert"]', has_text=missing_prefix).filter(
            has_text=table
        )
        assert notice.count() == (0 if table in published else 1), table
    page.screenshot(path=tmp_path / f"{path or 'people'}_{language}.png", full_page=True)


def test_people_page_numbers_equal_the_golden_contacts_mart(dashboard, page, tmp_path):
    open_page(page, f"{dashboard['url']}/")
    [(golden, records, whatsapp)] = query(
        warehouse(dashboard),
        "select count(*), sum(identities), count(whatsapp_phone) from marts.dim_contacts",
    )
    assert golden > 0
    assert metric(page, label("golden_contacts", "pt")) == format_number(golden, "pt")
    assert metric(page, label("source_records", "pt")).replace(".", "") == str(records)
    assert metric(page, label("with_whatsapp", "pt")).replace(".", "") == str(whatsapp)
    [(hubspot_only,)] = query(
        warehouse(dashboard),
        "select count(*) from marts.dim_contacts where sources = ['hubspot']",
    )
    row = page.locator("table tr").filter(has=page.locator("th", has_text=re.compile("^hubspot$")))
    assert row.locator("td").first.inner_text().replace(".", "") == str(hubspot_only)
    page.screenshot(path=tmp_path / "people.png", full_page=True)


def test_person_lookup_explains_a_real_email(dashboard, page, tmp_path):
    [(golden_id, email, identities)] = query(
        warehouse(dashboard),
        "select golden_contact_id, email, identities from marts.dim_contacts "
        "where email is not null order by identities desc, golden_contact_id limit 1",
    )
    open_page(page, f"{dashboard['url']}/?lang=en")
    page.get_by_label(label("lookup_help", "en")).fill(email.upper())
    page.keyboard.press("Enter")
    answer = page.locator('[data-testid="stCode"]').first
    answer.wait_for(timeout=60_000)
    text = answer.inner_text()
    assert text.startswith(golden_id)
    assert f"{identities} record(s)" in text
    if identities > 1:
        assert "joined" in text
    page.screenshot(path=tmp_path / "lookup.png", full_page=True)


def test_quality_page_counts_equal_the_load_log(dashboard, page):
    open_page(page, f"{dashboard['url']}/quality?lang=en")
    # The last run's loads: from the start of its HubSpot load (the first block) on.
    [(received,)] = query(
        warehouse(dashboard),
        """
        select sum(records_received) from _elt.load_log
        where started_at >= (
            select min(started_at) from _elt.load_log where load_id = (
                select load_id from _elt.load_log where source = 'hubspot'
                order by started_at desc limit 1
            )
        )
        """,
    )
    assert metric(page, label("records_received", "en")).replace(",", "") == str(received)
    assert metric(page, label("failed_streams", "en")) == "0"


def test_a_run_succeeds_while_the_dashboard_is_open_and_the_snapshot_is_read(
    dashboard, page, tmp_path
):
    open_page(page, f"{dashboard['url']}/quality?lang=en")
    runs_before = int(metric(page, label("runs", "en")))
    snapshot = snapshot_path(dashboard["settings"])
    with duckdb.connect(str(snapshot), read_only=True) as reader:
        second = run_cli(
            dashboard["data_dir"],
            dashboard["sandbox_port"],
            "run",
            "--seed",
            str(SEED),
            "--contacts",
            str(CONTACTS),
        )
        assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
        # The reader keeps the snapshot it opened, untouched by the one the run published.
        assert reader.execute("select count(*) from marts.dim_contacts").fetchall()[0][0] > 0
    open_page(page, f"{dashboard['url']}/quality?lang=en")
    assert int(metric(page, label("runs", "en"))) == runs_before + 1
    page.screenshot(path=tmp_path / "quality_after_second_run.png", full_page=True)
