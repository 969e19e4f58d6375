"""`dbt build` of the whole project, full and after 1 % of the records changed.

For each size: generate a world, extract it from the emulators, then time `dbt build` in a
process of its own (wall seconds and peak RSS), the ten slowest nodes, and a second build
after 1 % of the HubSpot contacts and Hotmart sales got a new version in the raw tables (as
an incremental extraction lands them). Printed, not asserted; goals on 2 cores: full build
< 60 s and < 2 GiB at 1M contacts, the second build < 20 % of the full one.

    .venv/bin/python bench/bench_build.py [--sizes 1000000 | --reuse BENCH_DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from datetime import date, datetime
from pathlib import Path

import duckdb

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from crm_elt.dbt_runner import PIPELINE_BUILD  # noqa: E402
from crm_elt.fakedata import generate  # noqa: E402
from crm_elt.sandbox import SandboxConfig, start_sandbox  # noqa: E402
from crm_elt.settings import Settings, load_settings  # noqa: E402
from crm_elt.sources import hotmart, hubspot, manychat, marketing_spend  # noqa: E402
from crm_elt.warehouse import RawRecord, new_load_id, open_warehouse, write_records  # noqa: E402

CHANGED_SHARE = 0.01
CHANGED_ENTITIES = (("hubspot", "contacts"), ("hotmart", "sales"))


def timed_build(
    env: dict[str, str], target_path: Path, *options: str
) -> tuple[float, float, list[tuple[float, str]]]:
    """The pipeline's dbt build (crm_elt.dbt_runner.build's, without the source freshness
    check) in a child process: wall seconds, peak RSS (MiB), the slowest nodes.
    Its own target path, so a dbt run elsewhere in the project does not mix with it."""
    dbt = [str(Path(sys.executable).with_name("dbt")), *PIPELINE_BUILD, "--quiet", *options]
    dbt += ["--project-dir", str(PROJECT / "dbt"), "--profiles-dir", str(PROJECT / "dbt")]
    dbt += ["--target-path", str(target_path)]
    started = time.perf_counter()
    subprocess.run(dbt, env=env, check=True, stdout=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    peak_mib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    results = json.loads((target_path / "run_results.json").read_text())
    slowest = sorted(
        ((r["execution_time"], r["unique_id"]) for r in results["results"]), reverse=True
    )
    return seconds, peak_mib, slowest[:10]


def change_records(settings, share: float) -> int:
    """A new version of `share` of the current raw records of CHANGED_ENTITIES, as a later
    extraction would land them (same key, changed payload)."""
    changed = 0
    with open_warehouse(settings) as con:
        for source, entity in CHANGED_ENTITIES:
            table = f"raw_{source}.{entity}"
            latest = (
                f"select record_key, record::varchar from {table} qualify row_number() "
                "over (partition by record_key order by _extracted_at desc) = 1"
            )
            rows = con.execute(
                f"select * from ({latest}) using sample {share * 100} percent (bernoulli, 7)"
            ).fetchall()
            records = []
            for key, payload in rows:
                record = json.loads(payload)
                record["_bench_changed_at"] = datetime.now().isoformat()
                records.append(RawRecord(key, datetime.now(), record))
            write_records(con, source=source, entity=entity, records=records, load_id="bench")
            changed += len(records)
    return changed


def extract_world(data_dir: Path, work: Path, environ: dict[str, str]) -> Settings:
    """Serve the generated world from the emulators and extract every source from them;
    `environ` gains the emulators' URLs. The settings the extraction ran with."""
    with start_sandbox(data_dir, config=SandboxConfig()) as sandbox:
        environ.update(
            HUBSPOT_BASE_URL=f"{sandbox.url}/hubspot",
            HOTMART_BASE_URL=f"{sandbox.url}/hotmart",
            HOTMART_AUTH_URL=f"{sandbox.url}/hotmart/security/oauth/token",
            MANYCHAT_BASE_URL=f"{sandbox.url}/manychat",
        )
        settings = load_settings(environ=environ, env_file=work / "none.env")
        started = time.perf_counter()
        for source in (hubspot, hotmart, manychat, marketing_spend):
            source.extract(settings, load_id=new_load_id())
        print(f"extracted in {time.perf_counter() - started:.1f} s")
    return settings


def bench_world(name: str, size: int, reuse: Path | None) -> tuple[Path, Path]:
    """(work folder, data dir): a new world of `size` contacts (seed 7) in a new folder, or the
    one of an earlier benchmark's folder, `reuse`."""
    if reuse is not None:
        print(f"\n== the world of {reuse}")
        return reuse, reuse / "data"
    work = Path(tempfile.mkdtemp(prefix=f"{name}_{size}_"))
    started = time.perf_counter()
    generate(work / "data", seed=7, contacts=size, as_of=date(2026, 11, 1))
    print(f"\n== {size:,} contacts: generated in {time.perf_counter() - started:.1f} s")
    return work, work / "data"


def bench(size: int, reuse: Path | None = None) -> None:
    work, data_dir = bench_world("bench_build", size, reuse)
    environ = {
        "CRM_ELT_DATA_DIR": str(data_dir),
        "CRM_ELT_ENV_FILE": str(work / "none.env"),
        "MANYCHAT_ENRICH": "off",
        "HUBSPOT_REQUESTS_PER_10S": "1000000",
        "HOTMART_REQUESTS_PER_MINUTE": "1000000",
        "HTTP_TIMEOUT_SECONDS": "30",
    }
    if reuse is None:
        extract_world(data_dir, work, environ)
    settings = load_settings(environ=environ, env_file=work / "none.env")
    env = {**os.environ, **environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}

    # In full even on a built warehouse (--reuse): incremental staging would skip the work.
    full_s, full_mib, slowest = timed_build(env, work / "dbt_target", "--full-refresh")
    print(f"full dbt build: {full_s:.1f} s, peak {full_mib:,.0f} MiB (goal < 60 s, < 2,048 MiB)")
    for seconds, node in slowest:
        print(f"  {seconds:7.1f} s  {node}")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        counts = con.execute(
            "select (select count(*) from marts.dim_contacts), "
            "(select count(*) from marts.customer_ltv), "
            "(select sum(net_ltv_brl) from marts.customer_ltv)"
        ).fetchall()[0]
    print(f"golden contacts {counts[0]:,}, customers {counts[1]:,}, net LTV R$ {counts[2]:,.2f}")

    changed = change_records(settings, CHANGED_SHARE)
    second_s, _, slowest = timed_build(env, work / "dbt_target")
    print(
        f"second build after {changed:,} records changed ({CHANGED_SHARE:.0%} of contacts and "
        f"sales): {second_s:.1f} s = {second_s / full_s:.0%} of the full build (goal < 20 %)"
    )
    for seconds, node in slowest[:5]:
        print(f"  {seconds:7.1f} s  {node}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000])
    parser.add_argument(
        "--reuse",
        type=Path,
        help="a bench folder (e.g. bench_identity's) whose data/ is already extracted: "
        "build it instead of generating and extracting a world (--sizes is then ignored)",
    )
    args = parser.parse_args()
    if args.reuse:
        bench(0, reuse=args.reuse)
        return
    for size in args.sizes:
        bench(size)


if __name__ == "__main__":
    main()
