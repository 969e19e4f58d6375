"""Identity resolution on a generated world, extracted from the emulators over HTTP and built
by dbt, scored against the world's ground truth: a regression in the rules fails here."""

from __future__ import annotations

import pytest

from crm_elt.dbt_runner import build
from crm_elt.identity.evaluate import evaluate_warehouse
from crm_elt.sandbox import start_sandbox
from crm_elt.sources import hotmart, hubspot, manychat, marketing_spend
from crm_elt.warehouse import new_load_id
from tests.conftest import generate_dataset, sandbox_settings

pytestmark = pytest.mark.slow

# Measured on this world (seed 5, 3,000 contacts) when the rules were last tuned (precision
# 0.9987, recall 0.9907), less a margin; the goals on the default 100k and 1M worlds are
# precision 0.998 and recall 0.99. Every rule's own links must be mostly right too.
MIN_PRECISION = 0.995
MIN_RECALL = 0.988
MIN_RULE_PRECISION = 0.9


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    data_dir = generate_dataset(tmp_path_factory.mktemp("identity") / "data", 3000, seed=5)
    with start_sandbox(data_dir) as sandbox:
        settings = sandbox_settings(data_dir, sandbox.url, MANYCHAT_ENRICH="off")
        for source in (hubspot, hotmart, manychat, marketing_spend):
            source.extract(settings, load_id=new_load_id())
    nodes = build(settings)
    return nodes, evaluate_warehouse(settings.warehouse_path, data_dir / "truth")


def test_identity_resolution_meets_its_floor_against_the_truth(scored):
    _, score = scored
    assert score.unmatched_identities == 0
    assert score.identities > 3000
    assert score.precision >= MIN_PRECISION, score
    assert score.recall >= MIN_RECALL, score
    assert {"same_email", "same_phone"} <= set(score.links_by_rule)
    for rule, (accepted, true) in score.links_by_rule.items():
        assert true >= MIN_RULE_PRECISION * accepted, (rule, accepted, true)


def test_the_identity_invariants_are_tested_by_dbt(scored):
    nodes, _ = scored
    invariants = nodes[
        nodes["node"].str.contains("assert_no_golden_contact_holds_two_documents")
        | nodes["node"].str.contains("assert_every_identity_in_exactly_one_golden_contact")
    ]
    assert len(invariants) == 2
    assert set(invariants["status"]) == {"pass"}
