"""`mage start` (what `make ui` runs), seen in a real browser as a newcomer sees it.

The server runs on a copy of the Mage project whose triggers are rendered as `make ui` renders
them, with login on: the test signs in through the form, finds every block of the pipeline and
both triggers, checks that no catch-up run was created, and starts a run through the API
trigger with its token. Screenshots go to the test's `tmp_path`.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import pytest
import requests
import yaml

from crm_elt.mage_triggers import API_TRIGGER, DAILY_TRIGGER, PIPELINE_UUID, write_triggers
from tests.conftest import PROJECT_ROOT, free_port, make_settings, serving

pytestmark = [pytest.mark.e2e, pytest.mark.browser]
START_TIMEOUT_S = 180
API_TOKEN = "test_api_trigger_token_0123456789"
ADMIN_EMAIL, ADMIN_PASSWORD = "admin@admin.com", "admin"
METADATA = PROJECT_ROOT / "hubspot_elt_project" / "pipelines" / PIPELINE_UUID / "metadata.yaml"


def block_uuids() -> list[str]:
    return [block["uuid"] for block in yaml.safe_load(METADATA.read_text())["blocks"]]


@pytest.fixture(scope="module")
def mage_ui(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mage_ui")
    project = folder / "hubspot_elt_project"
    shutil.copytree(
        PROJECT_ROOT / "hubspot_elt_project",
        project,
        ignore=shutil.ignore_patterns(
            "__pycache__", ".variables", ".file_versions", "triggers.yaml"
        ),
    )
    settings = make_settings(folder / "data", MAGE_API_TRIGGER_TOKEN=API_TOKEN)
    triggers = write_triggers(settings, project / "pipelines" / PIPELINE_UUID / "triggers.yaml")
    port = free_port()
    env = {
        **os.environ,
        "REQUIRE_USER_AUTHENTICATION": "1",
        "MAGE_DATA_DIR": str(folder / "mage_data"),
        "CRM_ELT_DATA_DIR": str(folder / "data"),
        "CRM_ELT_ENV_FILE": str(folder / "absent.env"),
        "HTTP_MAX_ATTEMPTS": "1",  # a run the API trigger starts has no emulator to talk to
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    pipeline_files = sorted((project / "pipelines").rglob("*.yaml"))
    before = {path: path.read_bytes() for path in pipeline_files}
    mage = Path(sys.executable).with_name("mage")
    url = f"http://127.0.0.1:{port}"
    with serving(
        [str(mage), "start", str(project), "--host", "127.0.0.1", "--port", str(port)],
        cwd=folder,
        env=env,
        log=folder / "mage.log",
        health_url=f"{url}/api/status",
        timeout_s=START_TIMEOUT_S,
        poll_s=1,
    ):
        yield {
            "url": url,
            "before": before,
            "triggers": triggers,
            "database": folder / "mage_data" / "hubspot_elt_project" / "mage-ai.db",
        }


def mage_rows(database: Path, sql: str, parameters=()) -> list[tuple]:
    with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as con:
        return con.execute(sql, parameters).fetchall()


def schedules(mage_ui, timeout_s: float = 90) -> dict[str, tuple[int, str]]:
    """name -> (id, schedule_type) of the pipeline's triggers, once the scheduler loaded them."""
    deadline = time.monotonic() + timeout_s
    while True:
        rows = []
        if mage_ui["database"].is_file():
            rows = mage_rows(
                mage_ui["database"],
                "select name, id, schedule_type from pipeline_schedule where pipeline_uuid = ?",
                (PIPELINE_UUID,),
            )
        if len(rows) == 2 or time.monotonic() > deadline:
            return {name: (schedule_id, kind) for name, schedule_id, kind in rows}
        time.sleep(2)


@pytest.fixture
def signed_in_page(mage_ui, chromium, tmp_path):
    context = chromium.new_context(viewport={"width": 1600, "height": 1200})
    page = context.new_page()
    page.goto(f"{mage_ui['url']}/sign-in", timeout=120_000)
    page.get_by_placeholder("Email").fill(ADMIN_EMAIL)
    page.get_by_placeholder("Password").fill(ADMIN_PASSWORD)
    page.keyboard.press("Enter")
    page.wait_for_url(lambda url: "sign-in" not in url, timeout=60_000)
    page.screenshot(path=tmp_path / "mage_signed_in.png")
    yield page
    context.close()


def test_signed_in_ui_shows_every_block_of_the_pipeline(mage_ui, signed_in_page, tmp_path):
    page = signed_in_page
    page.goto(f"{mage_ui['url']}/pipelines/{PIPELINE_UUID}/edit", timeout=120_000)
    for uuid in block_uuids():
        page.get_by_text(uuid, exact=True).first.wait_for(timeout=90_000)
    page.screenshot(path=tmp_path / "mage_pipeline.png", full_page=True)


def test_signed_in_ui_shows_both_triggers(mage_ui, signed_in_page, tmp_path):
    assert set(schedules(mage_ui)) == {DAILY_TRIGGER, API_TRIGGER}
    page = signed_in_page
    page.goto(f"{mage_ui['url']}/pipelines/{PIPELINE_UUID}/triggers", timeout=120_000)
    for name in (DAILY_TRIGGER, API_TRIGGER):
        page.get_by_text(name, exact=True).first.wait_for(timeout=90_000)
    page.screenshot(path=tmp_path / "mage_triggers.png", full_page=True)


def test_first_start_creates_no_catch_up_run(mage_ui):
    daily_id, kind = schedules(mage_ui)[DAILY_TRIGGER]
    assert kind.lower() == "time"
    # The scheduler looks at active schedules every 10 s: give it three looks.
    time.sleep(35)
    runs = mage_rows(
        mage_ui["database"],
        "select count(*) from pipeline_run where pipeline_schedule_id = ?",
        (daily_id,),
    )
    assert runs == [(0,)]


def test_api_trigger_starts_a_run_with_its_token_only(mage_ui):
    api_id, kind = schedules(mage_ui)[API_TRIGGER]
    assert kind.lower() == "api"
    endpoint = f"{mage_ui['url']}/api/pipeline_schedules/{api_id}/pipeline_runs"
    wrong = requests.post(
        f"{endpoint}/not_the_token_0123456789", json={"pipeline_run": {}}, timeout=60
    )
    # Mage answers a wrong token with an error body (status 200 or 500), and starts nothing.
    assert "pipeline_run" not in wrong.text
    runs_of_api_trigger = (
        "select count(*) from pipeline_run where pipeline_schedule_id = ?",
        (api_id,),
    )
    assert mage_rows(mage_ui["database"], *runs_of_api_trigger) == [(0,)]
    answer = requests.post(
        f"{endpoint}/{API_TOKEN}", json={"pipeline_run": {"variables": {}}}, timeout=60
    )
    assert answer.ok, answer.text[:500]
    run = answer.json()["pipeline_run"]
    assert run["pipeline_schedule_id"] == api_id
    assert run["pipeline_uuid"] == PIPELINE_UUID
    assert mage_rows(mage_ui["database"], *runs_of_api_trigger) == [(1,)]


def test_ui_leaves_the_rendered_pipeline_files_alone(mage_ui):
    before = mage_ui["before"]
    assert mage_ui["triggers"] in before
    assert {path: path.read_bytes() for path in before} == before
