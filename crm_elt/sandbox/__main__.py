"""`python -m crm_elt.sandbox --data DIR --port P`: serve the emulators until SIGTERM/SIGINT."""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from crm_elt.sandbox.config import FaultSpec, SandboxConfig
from crm_elt.sandbox.server import create_server


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m crm_elt.sandbox", description=__doc__)
    parser.add_argument("--data", type=Path, required=True, help="the generator's --out folder")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--host", default="127.0.0.1")
    # On by default, like the real APIs (make run then exercises the client's budgets); the
    # extraction benchmark passes --no-rate-limits to measure raw speed.
    limits = parser.add_mutually_exclusive_group()
    limits.add_argument(
        "--rate-limits", dest="rate_limits", action="store_true", help="enforce the APIs' limits"
    )
    limits.add_argument("--no-rate-limits", dest="rate_limits", action="store_false")
    parser.set_defaults(rate_limits=True)
    parser.add_argument("--seed", type=int, default=0, help="seed of the fault injection")
    parser.add_argument(
        "--faults", default="", help="e.g. hubspot:5xx=0.1,429=0.05;hotmart:empty=0.02"
    )
    args = parser.parse_args(argv)
    if not (args.data / "sandbox").is_dir():
        print(
            f"error: no emulator dataset in {args.data / 'sandbox'}; run "
            "generate_fake_data.py --out DIR first",
            file=sys.stderr,
        )
        return 2
    try:
        faults = FaultSpec.parse(args.faults)
    except ValueError as exc:
        print(f"error: --faults: {exc}", file=sys.stderr)
        return 2
    config = SandboxConfig(rate_limits=args.rate_limits, seed=args.seed, faults=faults)
    try:
        sandbox = create_server(args.data, host=args.host, port=args.port, config=config)
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc.strerror}", file=sys.stderr)
        return 2

    def stop(signum, frame):
        threading.Thread(target=sandbox.server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"sandbox listening on {sandbox.url}", flush=True)
    sandbox.server.serve_forever()
    sandbox.server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
