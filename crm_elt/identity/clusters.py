"""Clusters of identities over accepted links: connected components, except that two
different documents (CPF) never end in one cluster.

Links join in order of their rule's strength, so a document conflict is settled in favour of
the stronger evidence; the link that would have joined two documents is kept out and
reported (`conflicting_documents`).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from crm_elt.identity.rules import RULES

CLUSTER_COLUMNS = ["identity_id", "cluster_id", "cluster_size"]


def identity_clusters(
    identity_ids: np.ndarray, links: pd.DataFrame, documents: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(clusters, refused links). `cluster_id` is the cluster's smallest identity id.

    `documents` has identity_id and evidence_value, one row per document an identity holds.
    """
    ids = np.sort(np.asarray(identity_ids, dtype=object))
    index = pd.Index(ids)
    accepted = links[links["is_accepted"].astype(bool)]
    a = index.get_indexer(accepted["identity_a"])
    b = index.get_indexer(accepted["identity_b"])
    known = (a >= 0) & (b >= 0)
    accepted, a, b = accepted[known], a[known], b[known]
    labels = _components(len(ids), a, b)
    refused = pd.DataFrame(columns=[*accepted.columns])
    document_of = documents.assign(position=index.get_indexer(documents["identity_id"]))
    document_of = document_of[document_of["position"] >= 0]
    conflicted = (
        document_of.assign(label=labels[document_of["position"].to_numpy()])
        .groupby("label")["evidence_value"]
        .nunique()
    )
    conflicted = conflicted[conflicted > 1].index.to_numpy()
    if len(conflicted):
        labels, refused = _resolve_conflicts(labels, conflicted, accepted, a, b, document_of)
    # The smallest identity id of each component names it: `ids` are sorted, so that is the
    # component's first position.
    _, first_position, component_of, sizes = np.unique(
        labels, return_index=True, return_inverse=True, return_counts=True
    )
    clusters = pd.DataFrame(
        {
            "identity_id": ids,
            "cluster_id": ids[first_position][component_of],
            "cluster_size": sizes[component_of],
        }
    )
    return clusters[CLUSTER_COLUMNS], refused


def _components(size: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(size, size))
    return connected_components(graph, directed=False)[1]


def _resolve_conflicts(labels, conflicted, accepted, a, b, document_of):
    """Re-join the components holding two documents link by link, strongest first, refusing
    any link that would put two different documents together."""
    in_conflict = np.isin(labels, conflicted)
    mask = in_conflict[a]
    strength = accepted["rule"].map(lambda rule: RULES[rule].strength).to_numpy()[mask]
    order = np.lexsort((accepted["identity_b"].to_numpy()[mask], -strength))
    parent = {int(node): int(node) for node in np.flatnonzero(in_conflict)}
    documents: dict[int, set[str]] = {}
    for position, value in zip(document_of["position"], document_of["evidence_value"], strict=True):
        if int(position) in parent:
            documents.setdefault(int(position), set()).add(value)

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    refused_rows = []
    link_rows = np.flatnonzero(mask)[order]
    for row in link_rows:
        x, y = root(int(a[row])), root(int(b[row]))
        if x == y:
            continue
        docs_x, docs_y = documents.get(x, set()), documents.get(y, set())
        if docs_x and docs_y and docs_x != docs_y:
            refused_rows.append(row)
            continue
        parent[y] = x
        documents[x] = docs_x | docs_y
    labels = labels.copy()
    offset = labels.max() + 1
    for node in parent:
        labels[node] = offset + root(node)
    refused = accepted.iloc[refused_rows].assign(is_accepted=False, reason="conflicting_documents")
    return labels, refused
