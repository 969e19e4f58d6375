"""`python -m crm_elt run` (what `make run` does after setup) on a temporary warehouse.

Generates a small dataset, starts the emulators on a free port, runs `mage run` headless and
checks the warehouse, the lock, idempotence, secrecy and the failure modes.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from crm_elt.dashboard.labels import format_money
from crm_elt.dataset import sandbox_path
from tests.conftest import PROJECT_ROOT, free_port, make_settings

pytestmark = pytest.mark.e2e

SEED, CONTACTS = 7, 400
_SOURCE_PREFIXES = ("HUBSPOT_", "HOTMART_", "MANYCHAT_")
_CONFIG_VARIABLES = ("ENVIRONMENT", "SANDBOX_PORT", "CRM_ELT_DATA_DIR", "CRM_ELT_ENV_FILE")


def run_cli(data_dir: Path, port: int, *args: str, **environ: str) -> subprocess.CompletedProcess:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("HUBSPOT_", "HOTMART_", "MANYCHAT_"))
        and key not in _CONFIG_VARIABLES
    }
    env.update(
        {
            "CRM_ELT_DATA_DIR": str(data_dir),
            "SANDBOX_PORT": str(port),
            "CRM_ELT_ENV_FILE": str(data_dir.parent / "absent.env"),
            "MAGE_DATA_DIR": str(data_dir.parent / "mage_data"),
            **environ,
        }
    )
    return subprocess.run(
        [sys.executable, "-m", "crm_elt", *args],
        cwd=PROJECT_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )


def query(path: Path, sql: str) -> list[tuple]:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute(sql).fetchall()


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("e2e") / "data"
    port = free_port()
    first = run_cli(data_dir, port, "run", "--seed", str(SEED), "--contacts", str(CONTACTS))
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    settings = make_settings(data_dir)
    counts_after_first = dict(
        query(
            settings.warehouse_path,
            "select 'contacts', count(*) from raw_hubspot.contacts",
        )
    )
    second = run_cli(data_dir, port, "run", "--seed", str(SEED), "--contacts", str(CONTACTS))
    assert second.returncode == 0, second.stdout[-3000:] + second.stderr[-3000:]
    return {
        "data_dir": data_dir,
        "settings": settings,
        "runs": (first, second),
        "contacts_after_first": counts_after_first["contacts"],
    }


def dataset_contacts(data_dir: Path) -> pd.DataFrame:
    return pd.read_parquet(sandbox_path(data_dir, "hubspot_contacts.parquet"))


def test_run_loads_every_contact_page_into_raw(demo):
    contacts = dataset_contacts(demo["data_dir"])
    live = int((~contacts["archived"].astype(bool)).sum())
    assert live > 200  # more than two pages of 100
    loaded = query(
        demo["settings"].warehouse_path,
        "select count(distinct record_key) from raw_hubspot.contacts "
        "where not coalesce((record ->> 'archived')::boolean, false)",
    )[0][0]
    assert loaded == live


def test_run_builds_the_mart_from_live_contacts(demo):
    contacts = dataset_contacts(demo["data_dir"])
    live = int((~contacts["archived"].astype(bool)).sum())
    counted = query(
        demo["settings"].warehouse_path,
        "select sum(contacts_acquired) from marts.fct_contacts_acquired_by_month",
    )[0][0]
    assert counted == live


def test_second_run_adds_no_duplicate_raw_rows(demo):
    rows_now = query(demo["settings"].warehouse_path, "select count(*) from raw_hubspot.contacts")
    assert rows_now[0][0] == demo["contacts_after_first"]
    duplicates = query(
        demo["settings"].warehouse_path,
        "select count(*) from (select record_key, record_hash from raw_hubspot.contacts "
        "group by all having count(*) > 1)",
    )
    assert duplicates == [(0,)]


def test_run_prints_a_summary_with_rows_and_seconds(demo):
    output = demo["runs"][0].stdout
    assert re.search(r"^  raw_hubspot +[\d,]+ rows in \d+ tables$", output, re.MULTILINE)
    assert re.search(r"^  marts +[\d,]+ rows in \d+ tables$", output, re.MULTILINE)
    assert re.search(r"^Done in \d+\.\d s\.$", output, re.MULTILINE)
    assert re.search(
        r"^Identity resolution against the generated truth: precision [01]\.\d{4}, "
        r"recall [01]\.\d{4} over [\d,]+ records",
        output,
        re.MULTILINE,
    )


def test_run_ends_with_the_story_the_marts_tell(demo):
    output = demo["runs"][1].stdout  # the warehouse as the second run left it
    (people, several, net, audience_ilpi, batch) = query(
        demo["settings"].warehouse_path,
        "select (select count(*) from marts.dim_contacts),"
        " (select count(*) from marts.dim_contacts where len(sources) >= 2),"
        " (select sum(net_brl) from marts.fct_orders),"
        " (select count(*) from marts.audience_ilpi),"
        " (select count(*) from marts.remarketing_batch)",
    )[0]
    assert f"  They are {people:,} real people ({several:,} of them in more than one source)" in (
        output
    )
    assert f"Net revenue {format_money(net, 'pt')} " in output
    assert f"  Audiences: ILPI {audience_ilpi:,} people" in output
    assert f"  Today's remarketing batch: {batch:,} people." in output
    story = output[output.index("What this run found") :]
    for command in ("make dashboard", "make ui", "make docs"):
        assert re.search(rf"^  {command} +\S", story, re.MULTILINE)


def test_run_prints_one_line_per_step_and_keeps_the_rest_in_its_log(demo):
    output = demo["runs"][0].stdout
    noise = ("metadata-based freshness", "Running with dbt", "traitlets", "PipelineExecutor")
    for notice in noise:
        assert notice not in output
    steps = [line for line in output.splitlines() if re.match(r"^\d\d:\d\d:\d\d ", line)]
    assert any(re.fullmatch(r"[\d:]{8} hubspot\.contacts success: .+", line) for line in steps)
    assert any(re.search(r" dbt build: .*tests passed", line) for line in steps)
    assert len(steps) < 60
    assert len(output.splitlines()) - len(steps) < 45  # the summary and its story
    log_file = Path(re.search(r"^Full log: (.+)$", output, re.MULTILINE)[1])
    assert log_file.parent == demo["data_dir"] / "logs" / "dev"
    log = log_file.read_text()
    assert "PipelineExecutor" in log  # Mage's own lines are kept, in the log only
    messages = [step.split(" ", 1)[1].removeprefix("warning: ") for step in steps]
    assert all(message in log for message in messages)


def test_warehouse_is_not_locked_after_the_run(demo):
    with duckdb.connect(str(demo["settings"].warehouse_path)) as con:
        con.execute("create table lock_probe as select 1 as x")
        con.execute("drop table lock_probe")


def test_no_secret_reaches_logs_or_tables(demo):
    secrets = demo["settings"].secret_values()
    logs = "".join(run.stdout + run.stderr for run in demo["runs"])
    logs += "".join(path.read_text() for path in (demo["data_dir"] / "logs").rglob("*.log"))
    mage_logs = "".join(
        path.read_text(errors="replace")
        for path in (demo["data_dir"].parent / "mage_data").rglob("*")
        if path.is_file() and path.suffix in {".log", ".txt", ".json"}
    )
    assert logs  # the runs did log
    for secret in secrets:
        assert secret not in logs
        assert secret not in mage_logs
    with duckdb.connect(str(demo["settings"].warehouse_path), read_only=True) as con:
        columns = con.execute(
            "select table_schema, table_name, column_name from information_schema.columns "
            "where data_type in ('VARCHAR', 'JSON') and table_schema not in ('information_schema')"
        ).fetchall()
        for schema, table, column in columns:
            for secret in secrets:
                hits = con.execute(
                    f'select count(*) from "{schema}"."{table}" '
                    f'where contains("{column}"::varchar, ?)',
                    [secret],
                ).fetchall()[0][0]
                assert hits == 0, f"{secret[:6]}... found in {schema}.{table}.{column}"


@pytest.fixture
def fresh_data_dir(demo, tmp_path) -> Path:
    """A new warehouse over the same generated dataset (no regeneration)."""
    data_dir = tmp_path / "data"
    shutil.copytree(demo["data_dir"] / "sandbox", data_dir / "sandbox")
    return data_dir


def last_line(completed: subprocess.CompletedProcess) -> str:
    return completed.stderr.strip().splitlines()[-1]


def test_wrong_hubspot_token_fails_with_one_clear_line_and_loads_nothing(fresh_data_dir):
    completed = run_cli(
        fresh_data_dir, free_port(), "run", HUBSPOT_ACCESS_TOKEN="pat-na1-wrong-token-1234"
    )
    assert completed.returncode != 0
    line = last_line(completed)
    assert line.startswith("error: ")
    assert "hubspot" in line.lower()
    assert "401" in line or "token" in line.lower()
    assert "pat-na1-wrong-token-1234" not in completed.stdout + completed.stderr
    warehouse = make_settings(fresh_data_dir).warehouse_path
    if not warehouse.exists():
        return  # refused before anything was written
    tables = query(
        warehouse,
        "select count(*) from information_schema.tables where table_schema = 'raw_hubspot'",
    )[0][0]
    if tables:
        assert query(warehouse, "select count(*) from raw_hubspot.contacts") == [(0,)]


def test_unreachable_api_fails_with_one_clear_line(fresh_data_dir):
    closed = free_port()
    completed = run_cli(
        fresh_data_dir,
        free_port(),
        "run",
        HUBSPOT_BASE_URL=f"http://127.0.0.1:{closed}/hubspot",
        HTTP_TIMEOUT_SECONDS="2",
        HTTP_MAX_ATTEMPTS="2",
    )
    assert completed.returncode != 0
    line = last_line(completed)
    assert line.startswith("error: ")
    assert "hubspot" in line.lower()
    assert "ConnectionError" in line


def test_malformed_env_file_fails_before_anything_runs(tmp_path):
    env_file = tmp_path / "bad.env"
    env_file.write_text("ENVIRONMENT=dev\nSANDBOX_PORT\n=oops\n", encoding="utf-8")
    completed = run_cli(tmp_path / "data", free_port(), "run", CRM_ELT_ENV_FILE=str(env_file))
    assert completed.returncode == 2
    assert completed.stderr.strip().startswith("error: bad.env line 3")
    assert len(completed.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "data").exists()
