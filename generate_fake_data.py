"""Generate the fake world: HubSpot, Hotmart, ManyChat and spend data with ground truth.

python generate_fake_data.py --seed 42 --contacts 1000 --out data [--as-of 2026-11-01]
    [--duplicate-rate 0.04 ...] [--push-hubspot]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, date, datetime
from pathlib import Path

from crm_elt.fakedata import DefectRates, generate


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawTextHelpFormatter
    )
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--contacts", type=int, required=True, help="HubSpot contact records")
    parser.add_argument("--out", type=Path, required=True, help="folder, e.g. data")
    parser.add_argument(
        "--as-of",
        type=date.fromisoformat,
        default=datetime.now(UTC).date(),
        help="last day of history (default: today, UTC)",
    )
    parser.add_argument(
        "--push-hubspot",
        action="store_true",
        help="also create the records through HubSpot's batch API (.env)",
    )
    defaults = DefectRates()
    for name in DefectRates.names():
        parser.add_argument(
            f"--{name.replace('_', '-')}-rate",
            dest=name,
            type=float,
            default=getattr(defaults, name),
            metavar="X",
        )
    args = parser.parse_args(argv)
    rates = DefectRates(**{name: getattr(args, name) for name in DefectRates.names()})
    started = time.perf_counter()
    try:
        result = generate(
            args.out, seed=args.seed, contacts=args.contacts, as_of=args.as_of, rates=rates
        )
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for name, count in result.counts.items():
        print(f"{name:24} {count:>10,}")
    print(
        f"wrote {result.out} in {time.perf_counter() - started:.1f} s (seed {args.seed}, "
        f"as of {args.as_of})"
    )
    if args.push_hubspot:
        from crm_elt.fakedata.push import push_to_hubspot
        from crm_elt.settings import load_settings

        summary = push_to_hubspot(load_settings(), result.out)
        print(f"pushed to HubSpot: {summary}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
