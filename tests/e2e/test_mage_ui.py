"""`mage start` (what `make ui` runs) serves the pipeline, its blocks and the daily trigger."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from tests.conftest import PROJECT_ROOT, free_port

pytestmark = pytest.mark.e2e
START_TIMEOUT_S = 120


@pytest.fixture(scope="module")
def mage_ui(tmp_path_factory):
    folder = tmp_path_factory.mktemp("mage_ui")
    port = free_port()
    env = {
        **os.environ,
        "REQUIRE_USER_AUTHENTICATION": "0",
        "MAGE_DATA_DIR": str(folder / "mage_data"),
        "CRM_ELT_DATA_DIR": str(folder / "data"),
        "CRM_ELT_ENV_FILE": str(folder / "absent.env"),
        "HTTP_MAX_ATTEMPTS": "1",  # the scheduler's catch-up run has no emulator to talk to
        "PYTHONPATH": str(PROJECT_ROOT),
    }
    pipeline_files = sorted((PROJECT_ROOT / "hubspot_elt_project" / "pipelines").rglob("*.yaml"))
    before = {path: path.read_bytes() for path in pipeline_files}
    mage = Path(sys.executable).with_name("mage")
    process = subprocess.Popen(
        [str(mage), "start", "hubspot_elt_project", "--host", "127.0.0.1", "--port", str(port)],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            try:
                if requests.get(f"{url}/api/status", timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None, "mage start exited"
            assert time.monotonic() < deadline, "mage start did not answer in time"
            time.sleep(1)
        yield url, before
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


def test_ui_serves_the_pipeline_with_its_named_blocks(mage_ui):
    mage_ui, _ = mage_ui
    pipeline = requests.get(f"{mage_ui}/api/pipelines/crm_elt_daily", timeout=30).json()["pipeline"]
    assert [block["uuid"] for block in pipeline["blocks"]] == [
        "load_hubspot",
        "load_hotmart",
        "load_manychat",
        "load_marketing_spend",
        "build_dbt_models",
    ]
    assert pipeline["concurrency_config"]["pipeline_run_limit_all_triggers"] == 1


def test_ui_shows_the_version_controlled_daily_trigger(mage_ui):
    mage_ui, _ = mage_ui
    # The server loads triggers.yaml in its scheduler loop, shortly after it starts answering.
    deadline = time.monotonic() + 60
    while True:
        answer = requests.get(
            f"{mage_ui}/api/pipelines/crm_elt_daily/pipeline_schedules", timeout=30
        )
        schedules = answer.json().get("pipeline_schedules") or []
        if schedules or time.monotonic() > deadline:
            break
        time.sleep(2)
    assert [(item["name"], item["schedule_interval"], item["status"]) for item in schedules] == [
        ("daily_crm_elt", "0 6 * * *", "active")
    ]


def test_ui_leaves_the_version_controlled_pipeline_files_alone(mage_ui):
    _, before = mage_ui
    assert before
    assert {path: path.read_bytes() for path in before} == before
