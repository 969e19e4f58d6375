"""Generator speed and memory: prints seconds and peak RSS per size (goal: 1M contacts in
under 30 s and under 2 GiB). Each size runs in a fresh process so peaks do not mix.

    .venv/bin/python bench/bench_generator.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path


def run_one(contacts: int) -> None:
    from crm_elt.fakedata import generate

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        result = generate(Path(folder), seed=1, contacts=contacts, as_of=date(2026, 11, 1))
        seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    rows = sum(result.counts.values())
    print(
        f"generator  contacts={contacts:>9,}  rows={rows:>10,}  {seconds:6.1f} s  "
        f"peak RSS {peak_mib:,.0f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        run_one(args.one)
        return
    for size in args.sizes:
        subprocess.run([sys.executable, __file__, "--one", str(size)], check=True)


if __name__ == "__main__":
    main()
