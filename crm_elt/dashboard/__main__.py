"""`python -m crm_elt.dashboard [--port N]` (what `make dashboard` runs): serve the dashboard."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

APP = Path(__file__).with_name("app.py")
DEFAULT_PORT = 8501


def streamlit_command(port: int, host: str = "127.0.0.1") -> list[str]:
    """The `streamlit run` command line: local only, no telemetry, no deploy menu."""
    return [
        str(Path(sys.executable).with_name("streamlit")),
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--client.toolbarMode",
        "minimal",
    ]


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m crm_elt.dashboard", description=__doc__)
    parser.add_argument("--port", type=int, default=DEFAULT_PORT)
    args = parser.parse_args()
    command = streamlit_command(args.port)
    print(f"Dashboard: http://127.0.0.1:{args.port} (Ctrl+C stops it)", flush=True)
    os.execv(command[0], command)


if __name__ == "__main__":
    main()
