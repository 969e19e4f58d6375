"""Shared fixtures: settings pointed at a temporary data folder, never at the real `data/`."""

from __future__ import annotations

import dataclasses
import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests

from crm_elt.settings import Settings, load_settings

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def make_settings(data_dir: Path, environment: str = "dev", **environ: str) -> Settings:
    """Settings from an explicit environment only (no .env, no os.environ)."""
    values = {"CRM_ELT_DATA_DIR": str(data_dir), "ENVIRONMENT": environment, **environ}
    return load_settings(environ=values, env_file=data_dir / "no.env")


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    return make_settings(tmp_path / "data")


@pytest.fixture
def prd_settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, environment="prd")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def serving(
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log: Path,
    health_url: str,
    timeout_s: float,
    poll_s: float = 0.5,
) -> Iterator[subprocess.Popen]:
    """A server started in its own process group, once `health_url` answers; stopped (the
    whole group) on exit, killed if it does not stop in 20 s."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    name = Path(command[0]).name
    try:
        deadline = time.monotonic() + timeout_s
        while True:
            try:
                if requests.get(health_url, timeout=2).ok:
                    break
            except requests.RequestException:
                pass
            assert process.poll() is None, f"{name} exited (see {log})"
            assert time.monotonic() < deadline, f"{name} did not answer in time (see {log})"
            time.sleep(poll_s)
        yield process
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)


AS_OF = __import__("datetime").date(2026, 11, 1)


def generate_dataset(out: Path, contacts: int, seed: int = 3) -> Path:
    from crm_elt.fakedata import generate

    generate(out, seed=seed, contacts=contacts, as_of=AS_OF)
    return out


def sandbox_settings(data_dir: Path, sandbox_url: str, **environ: str) -> Settings:
    """Settings whose APIs all point at a running sandbox, with a short client timeout."""
    values = {
        "HUBSPOT_BASE_URL": f"{sandbox_url}/hubspot",
        "HOTMART_BASE_URL": f"{sandbox_url}/hotmart",
        "HOTMART_AUTH_URL": f"{sandbox_url}/hotmart/security/oauth/token",
        "MANYCHAT_BASE_URL": f"{sandbox_url}/manychat",
        "HTTP_TIMEOUT_SECONDS": "1",
        **environ,
    }
    return make_settings(data_dir, **values)


def raw_versions(settings: Settings, schemas: tuple[str, ...]) -> dict[str, set[tuple[str, str]]]:
    """Every raw table of `schemas` as its set of (record_key, record_hash) versions."""
    from crm_elt.warehouse import open_warehouse

    with open_warehouse(settings, read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in (select unnest(?::varchar[]))",
            [list(schemas)],
        ).fetchall()
        return {
            table: set(con.execute(f"select record_key, record_hash from {table}").fetchall())
            for (table,) in tables
        }


def log_every_source(con, load_id: str = "l1") -> None:
    """A successful extraction of every source, so dbt's source freshness passes."""
    from crm_elt.warehouse import StreamStats, log_load, utc_now

    for source in ("hubspot", "hotmart", "manychat", "marketing"):
        log_load(
            con,
            load_id=load_id,
            source=source,
            stream="all",
            started_at=utc_now(),
            stats=StreamStats(),
            outcome="success",
        )


@pytest.fixture(scope="session")
def small_dataset(tmp_path_factory) -> Path:
    """A generated world of 600 HubSpot contacts, shared read-only by integration tests."""
    return generate_dataset(tmp_path_factory.mktemp("dataset") / "data", contacts=600)


# Without the background-networking flags Chromium's own connections are refused many at a
# time on a closed network, and pages stall (GOLD_NOTES.md).
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
CHROMIUM = "/usr/bin/chromium"


@pytest.fixture(scope="session")
def chromium():
    """Debian's chromium driven by Playwright (`make browser` installs it; never `playwright
    install`, which downloads a browser)."""
    from playwright.sync_api import sync_playwright

    assert Path(CHROMIUM).is_file(), "Debian's chromium is missing: run `make browser`"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()
