"""`make run`: fake data, local emulators, the Mage pipeline headless, and a summary.

Every step is a child process (generator, emulator, `mage run`), so this module holds no
DuckDB handle while the pipeline writes, and the emulator is stopped whatever happens.

The terminal gets one line per step: the project's own log lines, shortened. Everything the
children print (Mage's executor notices, the emulator's requests, the generator's counts)
goes whole to a log file under `data/logs/<env>/`, named at the end of the run.
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import requests

from crm_elt.dataset import sandbox_path
from crm_elt.identity.evaluate import PairwiseScore, evaluate_warehouse
from crm_elt.logs import redact
from crm_elt.mage_triggers import PIPELINE_UUID
from crm_elt.settings import PROJECT_ROOT, Settings
from crm_elt.story import run_story
from crm_elt.warehouse import has_table, open_warehouse, table_row_counts, utc_now

MAGE_PROJECT = PROJECT_ROOT / "hubspot_elt_project"
DEMO_SEED = 42
DEMO_CONTACTS = 1000
SANDBOX_START_TIMEOUT_S = 60
# The closing line of a Python traceback, as Mage prints it when a block raises.
_EXCEPTION_LINE = re.compile(r"^[A-Za-z_.]*(Error|Failed|Exception|Exit)\w*: .+")
# A line of the project's own log format (crm_elt.logs), as the blocks print it under Mage.
_OWN_LOG_LINE = re.compile(
    r"^\d{4}-\d\d-\d\d (?P<time>\d\d:\d\d:\d\d),\d+ (?P<level>[A-Z]+) crm_elt[\w.]*: "
    r"(?P<message>.*)$"
)


# The delivery steps' one-line accounts (crm_elt/exporters), repeated in the summary.
DELIVERY_PREFIXES = ("remarketing export:", "ManyChat push", "HubSpot write-back:")


class RunFailed(Exception):
    """A step of the end-to-end run failed; the message says which and why, in one line."""


@dataclass(frozen=True)
class RunSummary:
    seconds: float
    row_counts: list[tuple[str, int]]
    warehouse: Path
    log_file: Path | None = None
    identity_score: PairwiseScore | None = None  # on a generated world: against its truth
    delivery: tuple[str, ...] = ()  # what the exporter blocks did, one line each
    story: tuple[str, ...] = ()  # crm_elt.story: the run in plain words


def step_line(line: str) -> str | None:
    """The terminal's form of one line a child printed, or None to keep it in the log only.

    Our own log lines lose their date and logger name; warnings and errors say so.
    """
    match = _OWN_LOG_LINE.match(line.rstrip("\n"))
    if match is None:
        return None
    level = match["level"]
    prefix = "" if level == "INFO" else f"{level.lower()}: "
    return f"{match['time']} {prefix}{match['message']}"


class RunLog:
    """The run's log file, and the terminal: every line goes to the file, steps to both."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.file = path.open("a", encoding="utf-8")

    def child_line(self, line: str) -> None:
        line = redact(line)
        self.file.write(line if line.endswith("\n") else line + "\n")
        if (shown := step_line(line)) is not None:
            print(shown, flush=True)

    def step(self, message: str) -> None:
        line = f"{datetime.now():%H:%M:%S} {message}"
        self.file.write(line + "\n")
        print(line, flush=True)

    def close(self) -> None:
        self.file.close()


def child_environment(settings: Settings) -> dict[str, str]:
    """The environment for child processes: ours, plus what Mage and dbt need to find things."""
    env = dict(os.environ)
    env.update(
        {
            "ENVIRONMENT": settings.environment,
            "CRM_ELT_DATA_DIR": str(settings.data_dir),
            "SANDBOX_PORT": str(settings.sandbox_port),
            "MAGE_DATA_DIR": env.get("MAGE_DATA_DIR", str(PROJECT_ROOT / ".mage_data")),
            "PYTHONPATH": os.pathsep.join(
                part for part in (str(PROJECT_ROOT), env.get("PYTHONPATH", "")) if part
            ),
            "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
            "DO_NOT_TRACK": "1",
            # Mage prints errors through Rich, which wraps at the terminal width: keep the
            # closing line of a traceback on one line so the run's error can quote it.
            "COLUMNS": "1000",
        }
    )
    return env


def uses_sandbox(settings: Settings) -> bool:
    urls = (settings.hubspot_base_url, settings.hotmart_base_url, settings.manychat_base_url)
    return any(url.startswith(settings.sandbox_url) for url in urls)


def ensure_fake_data(settings: Settings, run_log: RunLog, *, seed: int, contacts: int) -> None:
    """Generate the demo dataset once; later runs reuse it (the same seed gives the same data)."""
    if sandbox_path(settings.data_dir, "hubspot_contacts.parquet").is_file():
        run_log.step(f"fake data already in {settings.data_dir}")
        return
    command = [
        sys.executable,
        str(PROJECT_ROOT / "generate_fake_data.py"),
        "--seed",
        str(seed),
        "--contacts",
        str(contacts),
        "--out",
        str(settings.data_dir),
    ]
    completed = subprocess.run(
        command,
        env=child_environment(settings),
        check=False,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    for line in completed.stdout.splitlines():
        run_log.child_line(line)
    if completed.returncode != 0:
        last = completed.stdout.strip().splitlines()[-1:] or [""]
        raise RunFailed(f"fake-data generator exited with {completed.returncode}: {last[0]}")
    run_log.step(f"fake data: {contacts:,} HubSpot contacts and their world (seed {seed})")


@contextmanager
def running_sandbox(settings: Settings, run_log: RunLog) -> Iterator[None]:
    """Start the emulators on 127.0.0.1 for the duration of the block, then stop them."""
    health_url = f"{settings.sandbox_url}/_sandbox/health"
    if _is_up(health_url):
        raise RunFailed(
            f"port {settings.sandbox_port} is already serving something; stop it or set "
            "SANDBOX_PORT in .env"
        )
    command = [
        sys.executable,
        "-m",
        "crm_elt.sandbox",
        "--data",
        str(settings.data_dir),
        "--port",
        str(settings.sandbox_port),
    ]
    process = subprocess.Popen(
        command,
        env=child_environment(settings),
        start_new_session=True,
        stdout=run_log.file,
        stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + SANDBOX_START_TIMEOUT_S
        while not _is_up(health_url):
            if process.poll() is not None:
                raise RunFailed(f"the API emulator exited with {process.returncode} at start")
            if time.monotonic() > deadline:
                raise RunFailed(f"the API emulator did not answer {health_url} in time")
            time.sleep(0.2)
        run_log.step(f"API emulators up at {settings.sandbox_url}")
        yield
    finally:
        _stop_process_group(process)


def delivery_line(line: str) -> str | None:
    """The message of a delivery step's account among the pipeline's lines, else None."""
    match = _OWN_LOG_LINE.match(line.rstrip("\n"))
    if match is None or not match["message"].startswith(DELIVERY_PREFIXES):
        return None
    return match["message"]


def run_mage_pipeline(settings: Settings, run_log: RunLog) -> tuple[str, ...]:
    """Run the pipeline; the delivery steps' accounts, in the order they ran."""
    mage = Path(sys.executable).with_name("mage")
    command = [str(mage), "run", str(MAGE_PROJECT), PIPELINE_UUID]
    started_at = utc_now()
    process = subprocess.Popen(
        command,
        env=child_environment(settings),
        cwd=PROJECT_ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        errors="replace",
    )
    run_log.step(f"Mage pipeline {PIPELINE_UUID}")
    last_exception = None
    delivered: list[str] = []
    for line in process.stdout:
        run_log.child_line(line)
        if match := _EXCEPTION_LINE.match(line.strip()):
            last_exception = match.group(0)
        if (account := delivery_line(redact(line))) is not None:
            delivered.append(account)
    if process.wait() != 0:
        cause = failed_stream_since(settings, started_at) or last_exception
        raise RunFailed(f"Mage pipeline {PIPELINE_UUID} failed: {cause or 'see the log above'}")
    return tuple(delivered)


def failed_stream_since(settings: Settings, started_at: datetime) -> str | None:
    """The first stream that failed since `started_at`, from `_elt.load_log`, as one line."""
    if not settings.warehouse_path.is_file():
        return None
    with open_warehouse(settings, read_only=True) as con:
        if not has_table(con, "_elt.load_log"):
            return None
        failed = con.execute(
            "select source, stream, error from _elt.load_log "
            "where outcome = 'failed' and started_at >= ? order by started_at limit 1",
            [started_at],
        ).fetchall()
    if not failed:
        return None
    source, stream, error = failed[0]
    return f"{source}.{stream}: {(error or 'unknown error').splitlines()[0]}"


def run_end_to_end(
    settings: Settings, *, seed: int = DEMO_SEED, contacts: int = DEMO_CONTACTS
) -> RunSummary:
    started = time.monotonic()
    run_log = RunLog(settings.log_dir / f"run_{datetime.now():%Y%m%dT%H%M%S}.log")
    try:
        if uses_sandbox(settings):
            ensure_fake_data(settings, run_log, seed=seed, contacts=contacts)
            with running_sandbox(settings, run_log):
                delivered = run_mage_pipeline(settings, run_log)
        else:
            delivered = run_mage_pipeline(settings, run_log)
    except RunFailed as exc:
        raise RunFailed(f"{exc} (full log: {run_log.path})") from exc
    finally:
        run_log.close()
    with open_warehouse(settings, read_only=True) as con:
        counts = table_row_counts(con)
        story = tuple(run_story(con, delivered))
    truth = settings.data_dir / "truth"
    score = evaluate_warehouse(settings.warehouse_path, truth) if truth.is_dir() else None
    return RunSummary(
        time.monotonic() - started,
        counts,
        settings.warehouse_path,
        run_log.path,
        score,
        delivered,
        story,
    )


def format_summary(summary: RunSummary) -> str:
    """Rows per schema, the identity score on a generated world, the story, and the log."""
    by_schema: dict[str, list[int]] = {}
    for name, rows in summary.row_counts:
        by_schema.setdefault(name.partition(".")[0], []).append(rows)
    width = max((len(schema) for schema in by_schema), default=10)
    lines = [f"Warehouse {summary.warehouse}"]
    for schema, tables in by_schema.items():
        in_tables = f"{len(tables)} table" + ("" if len(tables) == 1 else "s")
        lines.append(f"  {schema.ljust(width)}  {sum(tables):,} rows in {in_tables}")
    if (score := summary.identity_score) is not None:
        lines.append(
            f"Identity resolution against the generated truth: precision {score.precision:.4f}, "
            f"recall {score.recall:.4f} over {score.identities:,} records "
            "(python -m crm_elt evaluate)"
        )
    if summary.story:
        lines.extend(summary.story)
    else:
        lines.extend(line[0].upper() + line[1:] for line in summary.delivery)
    if summary.log_file is not None:
        lines.append(f"Full log: {summary.log_file}")
    lines.append("Rows per table: .venv/bin/python -m crm_elt summary")
    lines.append(f"Done in {summary.seconds:.1f} s.")
    return "\n".join(lines)


def format_table_counts(summary: RunSummary) -> str:
    width = max((len(name) for name, _ in summary.row_counts), default=10)
    lines = [f"Warehouse {summary.warehouse}", f"{'table'.ljust(width)}  rows"]
    lines += [f"{name.ljust(width)}  {rows:>10,}" for name, rows in summary.row_counts]
    return "\n".join(lines)


def _is_up(url: str) -> bool:
    try:
        return requests.get(url, timeout=1).ok
    except requests.RequestException:
        return False


def _stop_process_group(process: subprocess.Popen) -> None:
    if process.poll() is not None:
        return
    try:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=10)
    except (ProcessLookupError, subprocess.TimeoutExpired):
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=10)
