"""Splink (Fellegi-Sunter on DuckDB), the reference linker, on the identities we resolve.

Run by bench_identity.py in a process of its own (so its peak memory is its own):
`python bench/splink_peer.py IDENTITIES.parquet CLUSTERS.parquet`. The input is our
`int_identities` flattened to one email key, one phone, first name, surname and state per
identity: Splink compares the same normalized evidence we link on.
"""

from __future__ import annotations

import sys
import time

import duckdb
import splink.comparison_library as cl
from splink import DuckDBAPI, Linker, SettingsCreator, block_on


def main(source: str, target: str) -> None:
    started = time.perf_counter()
    con = duckdb.connect()
    frame = con.execute(f"select * from read_parquet('{source}')").df()
    settings = SettingsCreator(
        link_type="dedupe_only",
        unique_id_column_name="identity_id",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("surname"),
            cl.EmailComparison("email"),
            cl.ExactMatch("phone"),
            cl.ExactMatch("state"),
        ],
        blocking_rules_to_generate_predictions=[
            block_on("email"),
            block_on("phone"),
            block_on("phone_suffix"),
        ],
        retain_intermediate_calculation_columns=False,
    )
    db_api = DuckDBAPI(connection=con)
    linker = Linker(db_api.register(frame), settings)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("email"), block_on("phone")], recall=0.8
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=2e6)
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("email"))
    linker.training.estimate_parameters_using_expectation_maximisation(block_on("phone"))
    predictions = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(
        predictions, threshold_match_probability=0.95
    )
    clusters.as_duckdbpyrelation().select("identity_id, cluster_id").write_parquet(target)
    print(f"splink: {time.perf_counter() - started:.1f} s", file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
