"""The export block's step over a warehouse built by dbt, hostile names included."""

from __future__ import annotations

import csv
import io

from crm_elt.exporters.remarketing_csv import export_path
from crm_elt.exporters.steps import run_delivery_step
from tests.integration.delivery.conftest import BATCH_DATE, HOSTILE_NAMES, offline_settings


def test_the_export_step_writes_the_built_batch_with_hostile_names_harmless(
    built_warehouse, built_batch, tmp_path
):
    settings = offline_settings(built_warehouse, tmp_path / "data")

    line = run_delivery_step("export", settings)

    path = export_path(settings, BATCH_DATE)
    assert len(built_batch) == 50
    assert line == f"remarketing export: 50 contacts of {BATCH_DATE} -> {path}"
    content = path.read_bytes()
    rows = list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert [int(row["priority_rank"]) for row in rows] == list(range(1, 51))
    hostile = [name for name in built_batch["full_name"] if name in HOSTILE_NAMES]
    assert len(set(hostile)) >= 2, "the world's hostile names no longer reach the batch"
    exported = [row["full_name"] for row in rows]
    for name in hostile:
        # Shown with a leading ' (never run as a formula); quotes, line break, emoji intact.
        assert "'" + name in exported
    assert all(not row["full_name"].startswith(("=", "+", "-", "@")) for row in rows)
    assert all("," in row["net_ltv_brl"] for row in rows)
    run_delivery_step("export", settings)
    assert path.read_bytes() == content
