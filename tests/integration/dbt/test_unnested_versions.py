"""Staging models that unnest one raw record into several rows keep every row of the current
version current (a sale's buyer and producer, a pipeline's stages), through dbt build."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

from crm_elt.dbt_runner import build
from crm_elt.warehouse import RawRecord, open_warehouse
from crm_elt.warehouse import write_records as write
from tests.conftest import log_every_source

STAGING = Path(__file__).resolve().parents[3] / "dbt" / "models" / "staging"


def sale_users(transaction: str, buyer_email: str) -> dict:
    return {
        "transaction": transaction,
        "users": [
            {"role": "BUYER", "user": {"ucode": "B1", "name": "Ana", "email": buyer_email}},
            {
                "role": "PRODUCER",
                "user": {"ucode": "P1", "name": "Instituto", "email": "Vendas@Instituto.com"},
            },
        ],
    }


def pipeline(label: str, stage_labels: list[str]) -> dict:
    stages = [
        {"id": str(index), "label": name, "displayOrder": index, "metadata": {}}
        for index, name in enumerate(stage_labels)
    ]
    return {"id": "default", "label": label, "stages": stages, "updatedAt": None}


def test_every_row_of_the_current_version_is_current(settings):
    with open_warehouse(settings) as con:
        for load_id, email, label, modified in [
            ("l1", "old@example.com", "Sales", datetime(2026, 1, 1)),
            ("l2", "new@example.com", "Vendas", datetime(2026, 2, 1)),
        ]:
            write(
                con,
                source="hotmart",
                entity="sales_users",
                records=[RawRecord("HP1", modified, sale_users("HP1", email))],
                load_id=load_id,
            )
            write(
                con,
                source="hubspot",
                entity="deal_pipelines",
                records=[RawRecord("default", modified, pipeline(label, ["a", "b", "c"]))],
                load_id=load_id,
            )
        log_every_source(con, "l2")
    nodes = build(settings)
    assert set(nodes["status"]) <= {"pass", "success"}
    assert nodes["node"].str.contains("current_version_is_whole").sum() == 2
    with open_warehouse(settings, read_only=True) as con:
        users = con.execute(
            "select user_role, email, email_raw, name_key from staging.stg_hotmart__sales_users "
            "where is_current_version order by 1"
        ).fetchall()
        stages = con.execute(
            "select pipeline_label, count(*) from staging.stg_hubspot__deal_pipeline_stages "
            "where is_current_version group by 1"
        ).fetchall()
        total = con.execute("select count(*) from staging.stg_hotmart__sales_users").fetchall()
    # Only the buyer is a person to resolve: the producer's contact data stays as recorded.
    assert users == [
        ("BUYER", "new@example.com", "new@example.com", "ana"),
        ("PRODUCER", None, "Vendas@Instituto.com", None),
    ]
    assert stages == [("Vendas", 3)]
    assert total == [(4,)]


def test_every_staging_model_that_unnests_is_tested_for_whole_versions():
    unnesting = {
        path.stem
        for path in STAGING.rglob("*.sql")
        if re.search(r"\bunnest\s*\(", path.read_text(), re.IGNORECASE)
    }
    assert {"stg_hotmart__sales_users", "stg_hubspot__deal_pipeline_stages"} <= unnesting
    tested = set()
    for yml in STAGING.rglob("*.yml"):
        for block in re.split(r"\n  - name: ", yml.read_text())[1:]:
            if "current_version_is_whole" in block:
                tested.add(block.split("\n", 1)[0].strip())
    assert unnesting <= tested, f"add current_version_is_whole to {sorted(unnesting - tested)}"
