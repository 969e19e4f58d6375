"""Run dbt (dbt-duckdb) in-process against this environment's warehouse, and release it after.

dbt's `dbtRunner` never raises on a failed model or test, and dbt-duckdb keeps the DuckDB
file locked in the calling process after `invoke()` returns (MAGE_NOTES.md). Both are
handled here: failures become one `DbtFailed` naming the nodes, and the handle is closed.
dbt runs quiet (errors only on the terminal; its full log stays in `dbt/logs/dbt.log`) and
each command ends in one line saying how its nodes ended.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
import time
from collections import Counter
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import pandas as pd

from crm_elt.dashboard.snapshot import publish_snapshot
from crm_elt.settings import Settings
from crm_elt.warehouse import open_warehouse

logger = logging.getLogger("crm_elt.dbt")

_FAILED_STATUSES = {"error", "fail", "runtime error"}
# dbt's error when an incremental model's columns differ from its table's (on_schema_change).
STAGING_COLUMNS_CHANGED = "schemas on this incremental model are out of sync"


class DbtFailed(Exception):
    """dbt ran but some node failed; the message lists them."""


@dataclass(frozen=True)
class NodeResult:
    node: str
    resource_type: str
    status: str
    seconds: float
    message: str


@contextmanager
def _dbt_environment(settings: Settings) -> Iterator[None]:
    """The variables profiles.yml reads, set only for the duration of the dbt call."""
    wanted = {
        "CRM_ELT_DATA_DIR": str(settings.data_dir),
        "DUCKDB_MEMORY_LIMIT": settings.duckdb_memory_limit,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DO_NOT_TRACK": "1",
    }
    previous = {key: os.environ.get(key) for key in wanted}
    os.environ.update(wanted)
    try:
        yield
    finally:
        for key, value in previous.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def run_dbt(settings: Settings, command: Sequence[str]) -> list[NodeResult]:
    """Run one dbt command (e.g. ["build"]) for settings' target; raise DbtFailed on failure."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager
    from dbt.cli.main import dbtRunner

    # Stamps a new warehouse with its environment and refuses another environment's file
    # before dbt touches it.
    with open_warehouse(settings):
        pass
    project_dir = str(settings.dbt_project_dir)
    args = [
        *command,
        "--quiet",
        "--no-use-colors",
        "--project-dir",
        project_dir,
        "--profiles-dir",
        project_dir,
        "--target",
        settings.dbt_target,
    ]
    started = time.monotonic()
    try:
        with _dbt_environment(settings):
            outcome = dbtRunner().invoke(args)
    finally:
        if DuckDBConnectionManager._ENV is not None:
            DuckDBConnectionManager._ENV.close()
        DuckDBConnectionManager.close_all_connections()

    nodes = _node_results(outcome.result)
    failed = [node for node in nodes if node.status in _FAILED_STATUSES]
    if failed or not outcome.success:
        details = "; ".join(f"{node.node} {node.status}: {node.message}" for node in failed)
        reason = details or (str(outcome.exception) if outcome.exception else "see dbt log")
        raise DbtFailed(f"dbt {command[0]} failed: {reason}")
    # The command's words, not its options: `dbt build: ...` whatever it excludes.
    logger.info(
        "dbt %s: %s in %.1f s",
        " ".join(itertools.takewhile(lambda word: not word.startswith("-"), command)),
        describe_statuses(nodes),
        time.monotonic() - started,
    )
    return nodes


_STATUS_WORDS = {"success": "ok", "pass": "passed", "warn": "warned", "fail": "failed"}


def describe_statuses(nodes: Sequence[NodeResult]) -> str:
    """E.g. '12 models ok, 62 tests passed, 1 test warned'; 'done' when there are no nodes."""
    counts = Counter(
        (node.resource_type.rsplit(".", 1)[-1].lower() or "node", node.status) for node in nodes
    )
    return (
        ", ".join(
            f"{count} {kind}{'' if count == 1 else 's'} {_STATUS_WORDS.get(status, status)}"
            for (kind, status), count in counts.items()
        )
        or "done"
    )


# What a pipeline run builds. Exposures (dbt/models/exposures.yml) are documentation: `build`
# would list each as a "no-op" node of every run. Unit tests check the models' logic on fixed
# inputs, so, as dbt Labs advises, they run in development and CI (`make test`:
# tests/integration/dbt/test_dbt_build.py), not on every run, where they cost ~8 s a build.
PIPELINE_BUILD = ("build", "--exclude-resource-type", "exposure", "unit_test")


def build(settings: Settings, dbt_vars: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Check source freshness, then `dbt build` (models, tests); one row per node. Then
    publish the dashboard's snapshot of the warehouse, so it shows what this build made.
    `dbt_vars` are dbt's `--vars` (e.g. {"run_date": "2026-11-01"} to build a past day).

    Raw tables a source has not created yet are created empty first, so freshness and the
    build see every declared source.
    """
    run_dbt(settings, ["run-operation", "ensure_raw_tables"])
    var_args = ["--vars", json.dumps(dict(dbt_vars))] if dbt_vars else []
    build_args = [*PIPELINE_BUILD, *var_args]
    nodes = run_dbt(settings, ["source", "freshness"])
    try:
        nodes += run_dbt(settings, build_args)
    except DbtFailed as failure:
        if STAGING_COLUMNS_CHANGED not in str(failure):
            raise
        # Staging tables built incrementally (`changed_records_config`) got new columns from
        # an upgrade: they are re-read from the raw tables in full. The models that keep
        # history (ledger, registry, quality report) refuse a full refresh and are kept.
        logger.warning("staging columns changed since the last build: staging is rebuilt in full")
        nodes += run_dbt(settings, [*build_args, "--full-refresh"])
    logger.info("dashboard snapshot published: %s", publish_snapshot(settings))
    return pd.DataFrame([node.__dict__ for node in nodes])


def _node_results(result: object) -> list[NodeResult]:
    results = getattr(result, "results", None) or []
    nodes = []
    for item in results:
        node = getattr(item, "node", None)
        nodes.append(
            NodeResult(
                node=getattr(node, "unique_id", str(node)),
                resource_type=str(getattr(node, "resource_type", "")),
                status=str(getattr(item, "status", "")),
                seconds=round(float(getattr(item, "execution_time", 0.0) or 0.0), 3),
                message=str(getattr(item, "message", "") or ""),
            )
        )
    return nodes
