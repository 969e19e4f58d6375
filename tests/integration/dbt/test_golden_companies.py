"""Golden companies and deals, measured against the generator's ground truth.

A world of 2,000 contacts (at the default defect rates, and again with many more duplicate,
archived and company-less records) is generated, extracted from the emulators over real HTTP and
built with dbt; then the clusters of HubSpot company records are scored pairwise against
the truth's companies, and every deal's golden company is checked against the company the
truth gives it (or, for a deal the generator left without a company, its contact's).
"""

from __future__ import annotations

import duckdb
import pandas as pd
import pytest

from crm_elt.dataset import sandbox_path
from crm_elt.dbt_runner import build
from crm_elt.extract import run_extraction
from crm_elt.fakedata import DefectRates, generate
from crm_elt.sandbox import start_sandbox
from tests.conftest import AS_OF, sandbox_settings

CONTACTS = 2_000
WORLDS = {
    "default": DefectRates(),
    "harder": DefectRates(
        company_duplicate=0.5, archived=0.2, deal_without_company=0.3, specialty_variant=1.0
    ),
}


@pytest.fixture(scope="module", params=list(WORLDS))
def world(request, tmp_path_factory):
    data_dir = tmp_path_factory.mktemp(f"companies_{request.param}") / "data"
    generate(data_dir, seed=3, contacts=CONTACTS, as_of=AS_OF, rates=WORLDS[request.param])
    with start_sandbox(data_dir) as sandbox:
        settings = sandbox_settings(
            data_dir, sandbox.url, HTTP_TIMEOUT_SECONDS="10", HUBSPOT_REQUESTS_PER_10S="100000"
        )
        for source in ("hubspot", "hotmart", "manychat", "spend"):
            run_extraction(source, settings)
    build(settings)
    truth = pd.read_parquet(data_dir / "truth" / "records.parquet")
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        marts = {
            name: con.execute(f"select * from marts.{name}").df()
            for name in ("dim_companies", "company_lineage", "fct_deals", "specialty_mappings")
        }
    return {"data_dir": data_dir, "truth": truth, **marts}


def pairs_within(groups: pd.Series) -> int:
    sizes = groups.value_counts()
    return int((sizes * (sizes - 1) // 2).sum())


def company_truth(world) -> pd.DataFrame:
    """Each HubSpot company record in the lineage, with its golden and its true company."""
    truth = world["truth"]
    companies = truth[(truth["source"] == "hubspot") & (truth["entity"] == "companies")]
    lineage = world["company_lineage"].merge(
        companies[["record_id", "company_id"]],
        left_on="hubspot_company_id",
        right_on="record_id",
        how="left",
    )
    return lineage


def test_company_clusters_match_the_truth_pairwise(world):
    lineage = company_truth(world)
    assert lineage["company_id"].notna().all()  # every record in lineage is a known record
    truth = world["truth"]
    records = truth[(truth["source"] == "hubspot") & (truth["entity"] == "companies")]
    assert len(lineage) == len(records)

    predicted = pairs_within(lineage["golden_company_id"])
    true = pairs_within(lineage["company_id"])
    both = pairs_within(lineage["golden_company_id"] + "|" + lineage["company_id"].astype(str))
    precision = both / predicted if predicted else 1.0
    recall = both / true if true else 1.0
    print(
        f"companies: {len(lineage)} records, {true} true pairs, precision {precision:.4f}, "
        f"recall {recall:.4f}"
    )
    assert true > 0  # the world has duplicate companies to find
    assert precision == 1.0
    assert recall >= 0.99
    assert len(world["dim_companies"]) == lineage["company_id"].nunique()


def test_every_deal_belongs_to_its_true_golden_company(world):
    truth = world["truth"]
    deals_truth = truth[(truth["source"] == "hubspot") & (truth["entity"] == "deals")]
    lineage = company_truth(world)
    golden_to_company = lineage.drop_duplicates("golden_company_id").set_index("golden_company_id")[
        "company_id"
    ]
    deals = world["fct_deals"].merge(
        deals_truth[["record_id", "company_id", "defects"]],
        left_on="deal_id",
        right_on="record_id",
        how="left",
    )
    sandbox_deals = pd.read_parquet(sandbox_path(world["data_dir"], "hubspot_deals.parquet"))
    assert len(deals) == int((~sandbox_deals["archived"].astype(bool)).sum())
    assert not deals["defects"].str.contains("archived").any()

    with_truth = deals[deals["company_id"].notna()]
    assert with_truth["has_company"].all()
    assert with_truth["company_repair"].isna().all()
    resolved = with_truth["golden_company_id"].map(golden_to_company)
    assert (resolved == with_truth["company_id"]).all()

    # The truth leaves these without company; the real one is their contact's.
    without = deals[deals["defects"].str.contains("deal_without_company")]
    assert len(without) > 0
    associations = pd.read_parquet(sandbox_path(world["data_dir"], "hubspot_associations.parquet"))
    contact_company = associations[
        (associations["from_type"] == "contacts") & (associations["to_type"] == "companies")
    ]
    company_of_record = lineage.set_index("hubspot_company_id")["company_id"]
    true_contact_company = (
        contact_company.assign(company_id=contact_company["to_id"].map(company_of_record))
        .groupby("from_id")["company_id"]
        .first()
    )
    expected = without["hubspot_contact_id"].map(true_contact_company)
    repaired = without[without["company_repair"] == "from_contact"]
    print(
        f"deals: {len(deals)} current, {len(without)} without company, "
        f"{len(repaired)} repaired from their contact, {int((~deals['has_company']).sum())} "
        f"flagged without company"
    )
    assert (without["company_repair"] == "from_contact").sum() == expected.notna().sum()
    assert (repaired["golden_company_id"].map(golden_to_company) == expected[repaired.index]).all()
    assert (~without["has_company"]).sum() == expected.isna().sum()
    assert without.loc[expected.isna(), "company_repair_reason"].str.contains("no company").all()


def test_every_specialty_is_mapped_and_the_fuzzy_ones_reported(world):
    mappings = world["specialty_mappings"]
    print(mappings.sort_values(["specialty_match", "medical_specialty_raw"]).to_string())
    assert (mappings["specialty_match"] != "unmapped").all()
    assert mappings["medical_specialty"].notna().all()
    fuzzy = mappings[mappings["specialty_match"] == "fuzzy"]
    assert (fuzzy["specialty_match_score"] >= 85).all()
    companies = world["dim_companies"]
    assert companies["medical_specialty"].notna().all()
    # The generator's canonical specialty is the truth's; every practice has its own.
    truth_companies = pd.read_parquet(world["data_dir"] / "truth" / "companies.parquet")
    lineage = company_truth(world)
    anchors = lineage[lineage["is_anchor"]].set_index("golden_company_id")["company_id"]
    expected = (
        companies["golden_company_id"]
        .map(anchors)
        .map(truth_companies.set_index("company_id")["specialty"])
    )
    assert (companies["medical_specialty"] == expected).all()
