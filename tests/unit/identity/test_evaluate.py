"""Pairwise scores from cluster and person labels, against a brute-force count."""

from __future__ import annotations

from itertools import combinations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_elt.identity.evaluate import pairwise_score


def test_pairwise_score_on_a_hand_built_case():
    cluster = np.array(["g1", "g1", "g1", "g2", "g3"], dtype=object)
    person = np.array([1, 1, 2, 2, 3])
    score = pairwise_score(cluster, person)
    assert (score.predicted_pairs, score.true_pairs, score.true_positive_pairs) == (3, 2, 1)
    assert (score.persons_split, score.clusters_over_merged) == (1, 1)
    assert score.precision == 1 / 3 and score.recall == 1 / 2


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 5), st.integers(0, 5)), min_size=1, max_size=30))
def test_pairwise_score_equals_a_brute_force_count(labels):
    cluster = np.array([f"g{c}" for c, _ in labels], dtype=object)
    person = np.array([p for _, p in labels])
    pairs = list(combinations(range(len(labels)), 2))
    predicted = sum(cluster[i] == cluster[j] for i, j in pairs)
    true = sum(person[i] == person[j] for i, j in pairs)
    both = sum(cluster[i] == cluster[j] and person[i] == person[j] for i, j in pairs)
    score = pairwise_score(cluster, person)
    assert (score.predicted_pairs, score.true_pairs, score.true_positive_pairs) == (
        predicted,
        true,
        both,
    )
