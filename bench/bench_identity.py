"""Identity resolution against the generator's truth, with Splink on the same identities.

For each size: generate a world, extract it from the emulators, dbt build; then time our
resolution from staging to the golden contact (`dbt run --select` IDENTITY_MODELS, in a
process of its own) and Splink on the same identities (bench/splink_peer.py), and print
both scores, times, peak memory and the ratios.

    python bench/bench_identity.py [--sizes 100000 1000000 | --reuse BENCH_DIR] [--no-splink]

Splink is a benchmark-only dependency (requirements-bench.txt); `make bench` installs it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import numpy as np

PROJECT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT))

from bench_build import bench_world, extract_world  # noqa: E402

from crm_elt.dbt_runner import build  # noqa: E402
from crm_elt.identity.evaluate import (  # noqa: E402
    _IDENTITY_PERSONS,
    evaluate_warehouse,
    format_score,
    pairwise_score,
)
from crm_elt.settings import load_settings  # noqa: E402

# Staging -> dim_contacts with what identifies each golden contact: its ids (registry,
# redirects), its lineage and its links; the revenue and audience marts after it are not
# identity resolution (bench_build times them).
IDENTITY_MODELS = [
    f"int_identities+,+{mart}"
    for mart in ("dim_contacts", "contact_lineage", "golden_contact_redirects")
]
FLAT_IDENTITIES = """
copy (
    select
        identity_id,
        email_keys[1] as email,
        (phones || whatsapp_phones)[1] as phone,
        right((phones || whatsapp_phones)[1], 8) as phone_suffix,
        split_part(name_key, ' ', 1) as first_name,
        nullif(regexp_extract(name_key, ' (\\S+)$', 1), '') as surname,
        state
    from intermediate.int_identities
) to '{target}' (format parquet)
"""


def child(command: list[str], env: dict[str, str]) -> tuple[float, float]:
    """Run a command; its wall seconds and the peak RSS (MiB) of the largest child so far."""
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True, stdout=subprocess.DEVNULL)
    peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return time.perf_counter() - started, peak_kib / 1024


def bench(size: int, run_splink: bool, reuse: Path | None = None) -> None:
    work, data_dir = bench_world("bench_identity", size, reuse)
    environ = {
        "CRM_ELT_DATA_DIR": str(data_dir),
        "CRM_ELT_ENV_FILE": str(work / "none.env"),
        "MANYCHAT_ENRICH": "off",
    }
    if reuse is None:
        # With the real APIs' request budgets (bench_build lifts them).
        settings = extract_world(data_dir, work, environ)
        started = time.perf_counter()
        build(settings)
        print(f"dbt build (everything) in {time.perf_counter() - started:.1f} s")
    else:
        settings = load_settings(environ=environ, env_file=work / "none.env")

    env = {**os.environ, **environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    dbt = [str(Path(sys.executable).with_name("dbt")), "run", "--quiet"]
    dbt += ["--project-dir", str(PROJECT / "dbt"), "--profiles-dir", str(PROJECT / "dbt")]
    ours_s, ours_mib = child([*dbt, "--select", *IDENTITY_MODELS], env)
    results = json.loads((PROJECT / "dbt" / "target" / "run_results.json").read_text())
    models_s = results["elapsed_time"]
    models = sum(result["unique_id"].startswith("model.") for result in results["results"])
    ours = evaluate_warehouse(settings.warehouse_path, data_dir / "truth")
    print(
        f"ours: staging -> golden contact ({models} models): {models_s:.1f} s "
        f"({ours_s:.1f} s with dbt's start and parse), peak {ours_mib:,.0f} MiB"
    )
    slowest = sorted(results["results"], key=lambda result: -result["execution_time"])[:6]
    print(
        "  slowest models: "
        + ", ".join(
            f"{result['unique_id'].split('.')[-1]} {result['execution_time']:.1f} s"
            for result in slowest
        )
    )
    print(format_score(ours, top=5))
    if not run_splink:
        return
    flat, clustered = work / "identities.parquet", work / "splink_clusters.parquet"
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        con.execute(FLAT_IDENTITIES.format(target=flat))
        persons = dict(
            (identity, person)
            for identity, _, person, _ in con.execute(
                _IDENTITY_PERSONS, [str(data_dir / "truth" / "records.parquet")]
            ).fetchall()
        )
    peer = [sys.executable, str(PROJECT / "bench" / "splink_peer.py"), str(flat), str(clustered)]
    splink_s, splink_mib = child(peer, env)
    rows = duckdb.sql(f"select identity_id, cluster_id from '{clustered}'").fetchall()
    scored = [(cluster, persons[identity]) for identity, cluster in rows if persons.get(identity)]
    splink = pairwise_score(
        np.array([cluster for cluster, _ in scored], dtype=object),
        np.array([person for _, person in scored]),
    )
    # RUSAGE_CHILDREN keeps the largest child: Splink's own peak when it exceeds ours.
    print(f"splink: {splink_s:.1f} s, peak {splink_mib:,.0f} MiB (or less, if ours was larger)")
    print(f"  precision {splink.precision:.4f}  recall {splink.recall:.4f}  F1 {splink.f1:.4f}")
    print(
        f"ours vs splink: F1 {ours.f1:.4f} vs {splink.f1:.4f}; time {models_s:.1f} s vs "
        f"{splink_s:.1f} s (splink / ours = {splink_s / models_s:.2f})"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--sizes", type=int, nargs="+", default=[100_000])
    parser.add_argument("--no-splink", action="store_true")
    parser.add_argument(
        "--reuse",
        type=Path,
        help="a bench folder (e.g. bench_build's) whose data/ is already extracted and built: "
        "time identity resolution on it (--sizes is then ignored)",
    )
    args = parser.parse_args()
    if args.reuse:
        bench(0, not args.no_splink, reuse=args.reuse)
        return
    for size in args.sizes:
        bench(size, not args.no_splink)


if __name__ == "__main__":
    main()
