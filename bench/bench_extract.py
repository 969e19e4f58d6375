"""Extraction speed from the emulators into DuckDB, and use of the request budget.

Prints, per size: records/s end to end (HubSpot objects + associations + Hotmart + ManyChat
CSVs) with rate limits off, and peak RSS (goal: >= 20,000 records/s, < 2 GiB at 1M). With
--rate-limits it also prints the share of HubSpot's ten-second budget used during the
contacts stream (goal >= 95 %) and failed requests (goal 0).

    .venv/bin/python bench/bench_extract.py [--sizes 100000] [--rate-limits]
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_ROOT))


def run_one(contacts: int, rate_limits: bool) -> None:
    from crm_elt.extract import run_extraction
    from tests.conftest import free_port, generate_dataset, sandbox_settings

    with tempfile.TemporaryDirectory() as folder:
        # Generated in a child process, so the peak RSS printed is the extractor's own.
        generator = multiprocessing.get_context("spawn").Process(
            target=generate_dataset, args=(Path(folder) / "data", contacts)
        )
        generator.start()
        generator.join()
        if generator.exitcode != 0:
            raise SystemExit(f"generating {contacts} contacts failed")
        data_dir = Path(folder) / "data"
        port = free_port()
        # The emulator runs in its own process, as a real API would, so it does not share
        # the extractor's interpreter lock.
        command = [
            sys.executable,
            "-m",
            "crm_elt.sandbox",
            "--data",
            str(data_dir),
            "--port",
            str(port),
            "--rate-limits" if rate_limits else "--no-rate-limits",
        ]
        sandbox = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
        sandbox.stdout.readline()  # "sandbox listening on ..."
        try:
            # With the emulator's limits off, lift the client's budgets too; with them on,
            # keep the client just under the emulator's 190 per 10 s, as against the real API.
            budgets = (
                {}
                if rate_limits
                else {
                    "HUBSPOT_REQUESTS_PER_10S": "1000000",
                    "HOTMART_REQUESTS_PER_MINUTE": "1000000",
                }
            )
            settings = sandbox_settings(
                data_dir, f"http://127.0.0.1:{port}", HTTP_TIMEOUT_SECONDS="30", **budgets
            )
            started = time.perf_counter()
            received, failed, streams = 0, 0, {}
            for source in ("hubspot", "hotmart", "manychat", "spend"):
                result = run_extraction(source, settings)
                received += result.received
                failed += len(result.failed)
                streams.update({f"{source}.{s.stream}": s for s in result.streams})
            seconds = time.perf_counter() - started
        finally:
            sandbox.terminate()
            sandbox.wait(timeout=30)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"extract  contacts={contacts:>9,}  records={received:>10,}  {seconds:7.1f} s  "
        f"{received / seconds:>9,.0f} records/s  extractor peak RSS {peak_mib:,.0f} MiB  "
        f"failed streams {failed}"
    )
    if rate_limits:
        # Over a run much longer than the 10 s window, the most the budget allows is 19/s.
        hubspot = [stream for name, stream in streams.items() if name.startswith("hubspot.")]
        requests_sent = sum(stream.stats.requests for stream in hubspot)
        seconds_hubspot = sum(stream.duration_s for stream in hubspot)
        allowed = 190 / 10 * seconds_hubspot
        retries = sum(stream.stats.retries for stream in hubspot)
        print(
            f"  rate limits on: HubSpot {requests_sent} requests in {seconds_hubspot:.1f} s, "
            f"{requests_sent / allowed:.0%} of the 190-per-10-s budget, {retries} retries"
        )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--rate-limits", action="store_true")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one, args.rate_limits)
        return
    for size in args.sizes:
        command = [sys.executable, __file__, "--one", str(size)]
        subprocess.run(command + (["--rate-limits"] if args.rate_limits else []), check=True)


if __name__ == "__main__":
    main()
