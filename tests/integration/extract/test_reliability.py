"""Extraction from the emulators survives faults and kills: nothing lost, nothing doubled.

Every raw table of every source (the ManyChat exports with enrichment on, so rows whose id
Excel rounded are recovered through the API, and the spend files) must end with the same
(record_key, record_hash) versions as a clean run into another fresh warehouse: the raw
layer holds only what the inputs say, never a fact of the run."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from crm_elt.dataset import sandbox_path
from crm_elt.http import RetryPolicy
from crm_elt.sandbox import FaultSpec, SandboxConfig, start_sandbox
from crm_elt.sources import hotmart, hubspot, manychat, marketing_spend
from crm_elt.warehouse import new_load_id, open_warehouse
from tests.conftest import PROJECT_ROOT, raw_versions, sandbox_settings

SCHEMAS = ("raw_hubspot", "raw_hotmart", "raw_manychat", "raw_marketing")
ROUNDED_IDS = 2
FAST_RETRY = RetryPolicy(
    max_attempts=12,
    base_delay_s=0.02,
    max_delay_s=0.2,
    ten_secondly_delay_s=0.1,
    secondly_delay_s=0.05,
)
FAULT_MIX = (
    "hubspot:5xx=0.1,429=0.05,burst=2,reset=0.01,truncate=0.02,slow=0.01,slow_s=1.5;"
    "hotmart:5xx=0.1,429=0.05,reset=0.01,empty=0.03,truncate=0.02,slow=0.01,slow_s=1.5;"
    "manychat:5xx=0.1,429=0.05,reset=0.01,truncate=0.02,slow=0.01,slow_s=1.5"
)


def run_settings(data_dir, sandbox_url):
    return sandbox_settings(data_dir, sandbox_url, MANYCHAT_ENRICH="new")


def extract_all(settings) -> None:
    hubspot.extract(
        settings, load_id=new_load_id(), options=hubspot.HubSpotOptions(retry=FAST_RETRY)
    )
    hotmart.extract(
        settings, load_id=new_load_id(), options=hotmart.HotmartOptions(retry=FAST_RETRY)
    )
    manychat.extract(settings, load_id=new_load_id(), retry=FAST_RETRY)
    marketing_spend.extract(settings, load_id=new_load_id())


def fresh_copy(dataset, tmp_path, name):
    """The emulators' data and the dropped files, for one warehouse of its own, with an export
    whose ids Excel rounded for ROUNDED_IDS subscribers the API finds by email."""
    data_dir = tmp_path / name
    shutil.copytree(dataset / "sandbox", data_dir / "sandbox")
    shutil.copytree(dataset / "input", data_dir / "input")
    subscribers = pd.read_parquet(sandbox_path(dataset, "manychat_subscribers.parquet"))
    findable = subscribers[subscribers["email"].fillna("").str.fullmatch(r"[a-z0-9._]+@[a-z.]+")]
    lines = ["User Id;First Name;Email;Subscribed"] + [
        f"{float(row.id):.5E};{row.first_name};{row.email};2026-01-05 10:00:00"
        for row in findable.head(ROUNDED_IDS).itertuples()
    ]
    (data_dir / "input" / "manychat" / "manychat_excel_roundtrip.csv").write_text(
        "\n".join(lines) + "\n"
    )
    return data_dir


@pytest.fixture(scope="module")
def fault_free(small_dataset, tmp_path_factory):
    data_dir = fresh_copy(small_dataset, tmp_path_factory.mktemp("clean"), "data")
    with start_sandbox(data_dir) as sandbox:
        settings = run_settings(data_dir, sandbox.url)
        extract_all(settings)
    with open_warehouse(settings, read_only=True) as con:
        recovered = con.execute(
            "select count(*) from raw_manychat.subscribers where _recovered_from is not null"
        ).fetchall()[0][0]
    return raw_versions(settings, SCHEMAS), recovered


def test_fault_free_run_loads_every_table(fault_free):
    versions, recovered = fault_free
    assert {
        "raw_hubspot.contacts",
        "raw_hubspot.deals",
        "raw_hubspot.associations",
        "raw_hotmart.sales",
        "raw_hotmart.sales_users",
        "raw_manychat.subscribers",
        "raw_manychat.subscriber_profiles",
        "raw_marketing.spend",
    } <= set(versions)
    assert all(versions[table] for table in versions), [t for t in versions if not versions[t]]
    # Rows whose id Excel rounded, recovered by email or phone: ours, and any of the world's.
    assert recovered >= ROUNDED_IDS


def test_two_fresh_warehouses_get_the_same_versions(small_dataset, tmp_path, fault_free):
    data_dir = fresh_copy(small_dataset, tmp_path, "data")
    with start_sandbox(data_dir) as sandbox:
        settings = run_settings(data_dir, sandbox.url)
        extract_all(settings)
    assert raw_versions(settings, SCHEMAS) == fault_free[0]


def test_faulty_apis_end_identical_to_a_fault_free_run(small_dataset, tmp_path, fault_free):
    data_dir = fresh_copy(small_dataset, tmp_path, "data")
    config = SandboxConfig(seed=11, faults=FaultSpec.parse(FAULT_MIX))
    with start_sandbox(data_dir, config=config) as sandbox:
        settings = run_settings(data_dir, sandbox.url)
        extract_all(settings)
        injected = sandbox.server.faults.injected
    assert sum(injected.values()) >= 10, injected
    assert {"5xx", "429", "truncate"} <= set(injected)
    assert raw_versions(settings, SCHEMAS) == fault_free[0]
    with open_warehouse(settings, read_only=True) as con:
        retries = con.execute("select sum(retries) from _elt.load_log").fetchall()[0][0]
        short_counted = con.execute(
            """
            select source, stream from _elt.load_log
            where source in ('hubspot', 'hotmart') and requests < pages + retries
            """
        ).fetchall()
    assert retries >= sum(injected.values()) - injected.get("slow", 0)
    assert short_counted == []  # every page and every retry was a request


KILL_SCRIPT = """
import sys
from pathlib import Path
from crm_elt.logs import configure_logging
from tests.integration.extract.test_reliability import extract_all, run_settings
configure_logging()
extract_all(run_settings(Path(sys.argv[1]), sys.argv[2]))
"""


def run_until_killed(data_dir, sandbox_url, env, streams_before_kill: int, pause_s: float) -> bool:
    """Start an extraction; SIGKILL it `pause_s` after its n-th stream finished. True if killed."""
    process = subprocess.Popen(
        [sys.executable, "-c", KILL_SCRIPT, str(data_dir), sandbox_url],
        cwd=PROJECT_ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    finished = 0
    for line in process.stdout:
        if " success: " in line:
            finished += 1
            if finished == streams_before_kill:
                time.sleep(pause_s)
                break
    killed = process.poll() is None
    if killed:
        process.send_signal(signal.SIGKILL)
    process.stdout.close()
    process.wait(timeout=60)
    return killed


def test_killed_runs_resume_to_the_same_warehouse(small_dataset, tmp_path, fault_free):
    data_dir = fresh_copy(small_dataset, tmp_path, "data")
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT)}
    # Kill points spread over the run: inside the first streams, the associations, Hotmart,
    # the ManyChat files, the ManyChat lookups (before and after their first checkpoint, which
    # comes 5 s in) and the spend files. Streams end in this order: HubSpot 1-9, Hotmart 10-11,
    # ManyChat subscribers 12 and subscriber_profiles 13, spend 14.
    kill_points = (
        (1, 0.0),
        (2, 0.05),
        (4, 0.02),
        (8, 0.1),
        (9, 0.05),
        (10, 0.02),
        (11, 0.2),
        (12, 1.5),
        (12, 5.5),
        (13, 0.3),
    )
    with start_sandbox(data_dir) as sandbox:
        killed = sum(
            run_until_killed(data_dir, sandbox.url, env, streams, pause)
            for streams, pause in kill_points
        )
        final = subprocess.run(
            [sys.executable, "-c", KILL_SCRIPT, str(data_dir), sandbox.url],
            cwd=PROJECT_ROOT,
            env=env,
            timeout=300,
            check=False,
            capture_output=True,
        )
    assert killed >= 8
    assert final.returncode == 0, final.stdout[-2000:]
    settings = sandbox_settings(data_dir, "http://127.0.0.1:1")
    assert raw_versions(settings, SCHEMAS) == fault_free[0]
