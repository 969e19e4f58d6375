"""The dashboard in a real browser, over a warehouse that `python -m crm_elt run` built.

Every page renders in both languages, its numbers equal the marts, the person lookup explains
a real email, and a second run of the whole pipeline succeeds while the dashboard is open and
a reader holds the snapshot. Screenshots go to each test's `tmp_path`.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

import duckdb
import pytest

from crm_elt.dashboard.__main__ import streamlit_command
from crm_elt.dashboard.labels import column_label, format_date, format_money, format_number, label
from crm_elt.dashboard.snapshot import snapshot_path
from tests.conftest import PROJECT_ROOT, free_port, make_settings, serving
from tests.e2e.test_make_run import run_cli

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
SEED, CONTACTS = 11, 300
START_TIMEOUT_S = 90
RENDERED = '[data-testid="stApp"][data-test-script-state="notRunning"]'
# url path -> the page's title label
PAGES = {
    "": "page_people",
    "quality": "page_quality",
    "ltv-cac": "page_ltv_cac",
    "cac": "page_cac",
    "audiences": "page_audiences",
    "batch": "page_batch",
}
# The text of one cell of an st.table, found by its row heading (the first column) and its
# column heading, in the `nth` table of the page that has that column; null until it is drawn.
CELL_SCRIPT = """([row, column, nth]) => {
    const tables = [...document.querySelectorAll('table')].filter(table =>
        [...table.querySelectorAll('thead th')].some(th => th.innerText.trim() === column));
    for (const table of tables.slice(nth, nth + 1)) {
        const headings = [...table.querySelectorAll('thead th')].map(th => th.innerText.trim());
        const index = headings.indexOf(column);
        for (const line of table.querySelectorAll('tbody tr')) {
            const cells = [...line.children];
            if (cells.length > index && cells[0].innerText.trim() === row) {
                return cells[index].innerText.trim();
            }
        }
    }
    return null;
}"""


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
    url = f"http://127.0.0.1:{port}"
    with serving(
        streamlit_command(port),
        cwd=PROJECT_ROOT,
        env=env,
        log=folder / "streamlit.log",
        health_url=f"{url}/_stcore/health",
        timeout_s=START_TIMEOUT_S,
    ):
        yield {
            "url": url,
            "data_dir": data_dir,
            "sandbox_port": sandbox_port,
            "settings": make_settings(data_dir),
        }


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


def cell(page, row: str, column: str, nth: int = 0) -> str:
    # Waits, as a locator does, for the table to be drawn (a page draws its parts in turn).
    found = page.wait_for_function(CELL_SCRIPT, arg=[row, column, nth], timeout=30_000)
    return found.json_value()


def metrics(page, name: str, at_least: int) -> list[str]:
    """The values of every metric of that name, in page order, once `at_least` are drawn (a
    page draws its parts in turn)."""
    cards = page.locator('[data-testid="stMetric"]').filter(
        has=page.locator('[data-testid="stMetricLabel"]', has_text=name)
    )
    cards.nth(at_least - 1).wait_for(timeout=30_000)
    return [
        value.strip() for value in cards.locator('[data-testid="stMetricValue"]').all_inner_texts()
    ]


@pytest.mark.parametrize("language", ["pt", "en"])
@pytest.mark.parametrize("path", list(PAGES), ids=lambda path: path or "people")
def test_every_page_renders_without_an_error(dashboard, page, tmp_path, path, language):
    open_page(page, f"{dashboard['url']}/{path}?lang={language}")
    page.get_by_role("heading", name=label(PAGES[path], language)).first.wait_for(timeout=30_000)
    assert page.locator('[data-testid="stException"]').count() == 0
    # Every mart is in a full run's snapshot, so no page waits for one.
    waiting = label("mart_missing", language, table="").split("`")[0]
    assert page.locator('[data-testid="stAlert"]', has_text=waiting).count() == 0
    page.locator('[data-testid="stMetric"]').first.wait_for(timeout=30_000)
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


def test_quality_page_checks_equal_the_data_quality_report(dashboard, page):
    open_page(page, f"{dashboard['url']}/quality")
    [(runs,)] = query(
        warehouse(dashboard), "select count(distinct run_id) from marts.data_quality_report"
    )
    assert metric(page, label("reported_runs", "pt")) == format_number(runs, "pt")
    last_run = query(
        warehouse(dashboard),
        """
        select check_name, sum(item_count) from marts.data_quality_report
        where run_id = (
            select run_id from marts.data_quality_report
            order by run_started_at desc, run_id limit 1
        )
        group by check_name order by sum(item_count) desc, check_name limit 3
        """,
    )
    assert last_run
    for check_name, count in last_run:
        shown = cell(page, check_name, column_label("last_run", "pt"))
        assert shown == format_number(count, "pt"), check_name


def test_ltv_cac_page_numbers_equal_the_marts(dashboard, page, tmp_path):
    open_page(page, f"{dashboard['url']}/ltv-cac")
    [(customers, net_ltv, spend, ratio)] = query(
        warehouse(dashboard),
        "select (select count(*) from marts.customer_ltv), "
        "(select sum(net_ltv_brl) from marts.customer_ltv), "
        "(select sum(spend_brl) from marts.cac_by_month_channel where channel = 'ALL'), "
        "blended_ltv_cac_ratio from marts.business_headlines",
    )
    assert customers > 0
    assert metric(page, label("customers", "pt")) == format_number(customers, "pt")
    assert metric(page, label("customers_net_ltv", "pt")) == format_money(net_ltv, "pt")
    assert metric(page, label("spend", "pt")) == format_money(spend, "pt")
    assert metric(page, label("blended_ltv_cac", "pt")) == format_number(ratio, "pt", 2)
    cohorts = query(
        warehouse(dashboard),
        "select cohort_month, customers, avg_net_ltv_brl, cac_brl "
        "from marts.ltv_cac_by_cohort_channel where channel = 'ALL' "
        "order by customers desc, cohort_month limit 3",
    )
    for cohort, cohort_customers, average_ltv, cac in cohorts:
        row = format_date(cohort, "pt")
        assert cell(page, row, column_label("customers", "pt")) == format_number(
            cohort_customers, "pt"
        )
        assert cell(page, row, column_label("avg_net_ltv_brl", "pt")) == format_money(
            average_ltv, "pt"
        )
        assert cell(page, row, column_label("cac_brl", "pt")) == format_money(cac, "pt")
    page.screenshot(path=tmp_path / "ltv_cac.png", full_page=True)


def test_cac_page_numbers_equal_the_blended_rows(dashboard, page, tmp_path):
    open_page(page, f"{dashboard['url']}/cac?lang=en")
    [(spend, customers)] = query(
        warehouse(dashboard),
        "select sum(spend_brl), sum(new_customers) from marts.cac_by_month_channel "
        "where is_blended",
    )
    assert customers > 0
    assert metric(page, column_label("spend_brl", "en")) == format_money(spend, "en")
    assert metric(page, column_label("new_customers", "en")) == format_number(customers, "en")
    assert metric(page, label("blended_cac", "en")) == format_money(spend / customers, "en")
    months = query(
        warehouse(dashboard),
        "select month, spend_brl, new_customers, cac_brl from marts.cac_by_month_channel "
        "where channel = 'ALL' order by new_customers desc, month limit 3",
    )
    for month, month_spend, month_customers, cac in months:
        row = format_date(month, "en")
        assert cell(page, row, column_label("channel", "en")) == "ALL"
        assert cell(page, row, column_label("spend_brl", "en")) == format_money(month_spend, "en")
        assert cell(page, row, column_label("new_customers", "en")) == format_number(
            month_customers, "en"
        )
        assert cell(page, row, column_label("cac_brl", "en")) == format_money(cac, "en")
    page.screenshot(path=tmp_path / "cac.png", full_page=True)


def test_audiences_page_numbers_equal_the_audience_marts(dashboard, page, tmp_path):
    open_page(page, f"{dashboard['url']}/audiences")
    for position, table in enumerate(("audience_ilpi", "audience_estetica")):
        [(contacts, whatsapp, line_ltv)] = query(
            warehouse(dashboard),
            f"select count(*), count(*) filter (where is_reachable_by_whatsapp), "
            f"sum(net_ltv_line_brl) from marts.{table}",
        )
        assert contacts > 0, table
        # The page shows the two audiences in this order, each with the same metrics.
        assert metrics(page, label("contacts", "pt"), at_least=2)[position] == format_number(
            contacts, "pt"
        )
        assert metrics(page, label("reachable_whatsapp", "pt"), at_least=2)[
            position
        ] == format_number(whatsapp, "pt")
        assert metrics(page, label("net_ltv_line_total", "pt"), at_least=2)[
            position
        ] == format_money(line_ltv, "pt")
        [(golden_id, name, ltv)] = query(
            warehouse(dashboard),
            f"select golden_contact_id, full_name, net_ltv_line_brl from marts.{table} "
            "order by net_ltv_line_brl desc, golden_contact_id limit 1",
        )
        assert cell(page, golden_id, column_label("full_name", "pt"), position) == name
        assert cell(
            page, golden_id, column_label("net_ltv_line_brl", "pt"), position
        ) == format_money(ltv, "pt")
    page.screenshot(path=tmp_path / "audiences.png", full_page=True)


def test_batch_page_shows_the_batch_and_serves_its_export(dashboard, page, tmp_path):
    open_page(page, f"{dashboard['url']}/batch?lang=en")
    [(day, contacts, net_ltv)] = query(
        warehouse(dashboard),
        "select max(run_date), count(*), sum(net_ltv_brl) from marts.remarketing_batch",
    )
    assert contacts > 0
    assert metric(page, label("batch_size", "en")) == format_number(contacts, "en")
    assert metric(page, label("net_ltv_total", "en")) == format_money(net_ltv, "en")
    [(golden_id, name, ltv)] = query(
        warehouse(dashboard),
        "select golden_contact_id, full_name, net_ltv_brl from marts.remarketing_batch "
        "where priority_rank = 1",
    )
    assert cell(page, "1", column_label("golden_contact_id", "en")) == golden_id
    assert cell(page, "1", column_label("full_name", "en")) == name
    assert cell(page, "1", column_label("net_ltv_brl", "en")) == format_money(ltv, "en")
    export = dashboard["data_dir"] / "output" / "remarketing" / "dev" / f"{day:%Y-%m-%d}.csv"
    assert export.is_file()
    with page.expect_download(timeout=60_000) as download:
        page.get_by_role(
            "button", name=label("download_export", "en", day=f"{day:%Y-%m-%d}")
        ).click()
    assert download.value.suggested_filename == export.name
    served = Path(download.value.path()).read_bytes()
    assert served == export.read_bytes()
    assert golden_id in served.decode("utf-8-sig")
    page.screenshot(path=tmp_path / "batch.png", full_page=True)


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
