"""`make docs`: dbt docs generate succeeds and the lineage reaches the exposures."""

from __future__ import annotations

import json

from crm_elt.dbt_runner import run_dbt


def test_docs_generate_declares_the_dashboard_and_the_export(settings, tmp_path):
    target = tmp_path / "target"
    run_dbt(settings, ["docs", "generate", "--target-path", str(target)])
    manifest = json.loads((target / "manifest.json").read_text())
    exposures = manifest["exposures"]
    assert set(exposures) >= {"exposure.crm_elt.dashboard", "exposure.crm_elt.remarketing_export"}
    dashboard = exposures["exposure.crm_elt.dashboard"]
    assert dashboard["type"] == "dashboard"
    assert dashboard["url"] == "http://127.0.0.1:8501"
    dashboard_marts = {
        "dim_contacts",
        "ltv_cac_by_cohort_channel",
        "cac_by_month_channel",
        "audience_ilpi",
        "audience_estetica",
        "remarketing_batch",
        "data_quality_report",
        "business_headlines",
    }
    assert {f"model.crm_elt.{name}" for name in dashboard_marts} <= set(
        dashboard["depends_on"]["nodes"]
    )
    export = exposures["exposure.crm_elt.remarketing_export"]
    export_marts = {"remarketing_batch", "remarketing_ledger", "customer_ltv", "audience_ilpi"}
    assert {f"model.crm_elt.{name}" for name in export_marts} <= set(export["depends_on"]["nodes"])
    for exposure in exposures.values():
        assert exposure["depends_on"]["nodes"], exposure["name"]
        assert all(node in manifest["nodes"] for node in exposure["depends_on"]["nodes"])
    # The docs site itself: index.html with the catalog of the warehouse's tables beside it.
    assert (target / "index.html").is_file()
    assert (target / "catalog.json").is_file()
