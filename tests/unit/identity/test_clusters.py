"""Clusters over accepted links: components, and never two documents in one."""

from __future__ import annotations

import pandas as pd

from crm_elt.identity.clusters import identity_clusters


def links(*rows):
    return pd.DataFrame(
        [(a, b, rule, "x", True, None) for a, b, rule in rows],
        columns=["identity_a", "identity_b", "rule", "evidence", "is_accepted", "reason"],
    )


def documents(**held):
    return pd.DataFrame(
        [(key.replace("_", ":"), value) for key, value in held.items()],
        columns=["identity_id", "evidence_value"],
    )


def cluster_of(clusters: pd.DataFrame) -> dict[str, str]:
    return dict(zip(clusters["identity_id"], clusters["cluster_id"], strict=True))


def test_connected_components_named_by_their_smallest_identity():
    ids = ["a:1", "a:2", "a:3", "b:1", "c:9"]
    clusters, refused = identity_clusters(
        ids, links(("a:2", "b:1", "same_email"), ("a:3", "b:1", "same_phone")), documents()
    )
    assert cluster_of(clusters) == {
        "a:1": "a:1",
        "a:2": "a:2",
        "a:3": "a:2",
        "b:1": "a:2",
        "c:9": "c:9",
    }
    assert refused.empty
    assert clusters.set_index("identity_id")["cluster_size"]["b:1"] == 3


def test_two_documents_never_end_in_one_cluster_and_the_weaker_link_gives_way():
    ids = ["h:1", "h:2", "m:3"]
    # h:1 and h:2 hold different CPFs; m:3 shares an email with h:1 and a phone with h:2.
    clusters, refused = identity_clusters(
        ids,
        links(("h:1", "m:3", "same_email"), ("h:2", "m:3", "same_phone")),
        documents(h_1="11111111111", h_2="22222222222"),
    )
    assert cluster_of(clusters) == {"h:1": "h:1", "h:2": "h:2", "m:3": "h:1"}
    assert list(
        zip(refused["identity_a"], refused["identity_b"], refused["reason"], strict=True)
    ) == [("h:2", "m:3", "conflicting_documents")]


def test_rejected_links_join_nothing():
    rejected = links(("a:1", "a:2", "same_phone")).assign(is_accepted=False)
    clusters, _ = identity_clusters(["a:1", "a:2"], rejected, documents())
    assert clusters["cluster_id"].tolist() == ["a:1", "a:2"]
