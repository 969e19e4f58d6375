"""`python -m crm_elt.sandbox` announces its URL, serves, and exits cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys

import requests


def test_cli_prints_its_url_serves_health_and_exits_on_sigterm(small_dataset):
    process = subprocess.Popen(
        [sys.executable, "-m", "crm_elt.sandbox", "--data", str(small_dataset), "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline().strip()
        assert line.startswith("sandbox listening on http://127.0.0.1:")
        url = line.removeprefix("sandbox listening on ")
        assert requests.get(f"{url}/_sandbox/health", timeout=5).json()["status"] == "ok"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0
    finally:
        if process.poll() is None:
            process.kill()


def test_cli_rejects_a_folder_without_a_dataset(tmp_path):
    finished = subprocess.run(
        [sys.executable, "-m", "crm_elt.sandbox", "--data", str(tmp_path), "--port", "0"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert finished.returncode == 2
    assert "no emulator dataset" in finished.stderr
