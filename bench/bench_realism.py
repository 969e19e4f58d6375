"""How realistic and how hard the generated world is, per size: generates a world, times the
generator and the report, and prints the realism report (crm_elt.fakedata.stats).

    .venv/bin/python bench/bench_realism.py [--sizes 100000 1000000] [--seed 1]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from datetime import date
from pathlib import Path


def run_one(contacts: int, seed: int) -> None:
    from crm_elt.fakedata import generate
    from crm_elt.fakedata.stats import format_report, realism_report

    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        generate(Path(folder), seed=seed, contacts=contacts, as_of=date(2026, 11, 1))
        generated = time.perf_counter()
        report = realism_report(Path(folder))
        measured = time.perf_counter()
    print(
        f"realism  contacts={contacts:>9,}  seed={seed}  generator {generated - started:.1f} s  "
        f"report {measured - generated:.1f} s"
    )
    print(format_report(report))
    print()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    for size in args.sizes:
        run_one(size, args.seed)


if __name__ == "__main__":
    main()
