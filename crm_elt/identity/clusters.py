"""Clusters of identities over accepted links: connected components, except that two
different documents (CPF) never end in one cluster.

Links join in order of their rule's strength, so a document conflict is settled in favour of
the stronger evidence; the link that would have joined two documents is kept out and
reported (`conflicting_documents`).

The work is on integer positions (an identity's rank in id order): `cluster_positions`.
`identity_clusters` takes ids and link frames; `clusters_in_duckdb`, dbt's path, ranks the
ids and reads the links in SQL, so no string leaves DuckDB.
"""

from __future__ import annotations

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from crm_elt.identity.rules import RULES

CLUSTER_COLUMNS = ["identity_id", "cluster_id", "cluster_size"]


def cluster_positions(
    size: int,
    a: np.ndarray,
    b: np.ndarray,
    strength: np.ndarray,
    document_position: np.ndarray,
    document_code: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per position (0..size-1): its cluster's first position and the cluster's size; and
    the indexes of the links refused for joining two documents.

    `a`, `b`, `strength`: accepted links between positions and their rule's strength;
    `document_position`, `document_code`: one row per document a position holds (the
    document as an integer code).
    """
    a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
    labels = _components(size, a, b)
    document_position = np.asarray(document_position, dtype=np.int64)
    document_code = np.asarray(document_code, dtype=np.int64)
    refused = np.empty(0, dtype=np.int64)
    held = np.unique(np.stack([labels[document_position], document_code]), axis=1)
    label_counts = np.bincount(held[0], minlength=labels.max(initial=0) + 1)
    conflicted = np.flatnonzero(label_counts > 1)
    if len(conflicted):
        labels, refused = _resolve_conflicts(
            labels, conflicted, a, b, np.asarray(strength), document_position, document_code
        )
    # The first position of each component names it (positions follow the ids' order, so
    # that is its smallest id).
    _, first_position, component_of, sizes = np.unique(
        labels, return_index=True, return_inverse=True, return_counts=True
    )
    return first_position[component_of], sizes[component_of], refused


def identity_clusters(
    identity_ids, links: pd.DataFrame, documents: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(clusters, refused links). `cluster_id` is the cluster's smallest identity id.

    `identity_ids` is a sequence or an Arrow array of every identity id; `documents` has
    identity_id and evidence_value, one row per document an identity holds.
    """
    if isinstance(identity_ids, pa.ChunkedArray):
        identity_ids = identity_ids.combine_chunks()
    unsorted = pa.array(np.asarray(identity_ids, dtype=object), type=pa.string())
    ids_arrow = unsorted.take(pc.sort_indices(unsorted))
    ids = np.asarray(ids_arrow.to_numpy(zero_copy_only=False), dtype=object)

    def positions(values) -> np.ndarray:
        values = pa.array(np.asarray(values, dtype=object), type=pa.string())
        return pc.index_in(values, ids_arrow).fill_null(-1).to_numpy().astype(np.int64)

    accepted = links[links["is_accepted"].astype(bool)]
    a, b = positions(accepted["identity_a"]), positions(accepted["identity_b"])
    known = (a >= 0) & (b >= 0)
    accepted, a, b = accepted[known], a[known], b[known]
    strength = accepted["rule"].map(lambda rule: RULES[rule].strength).to_numpy(dtype=np.int64)
    document_position = positions(documents["identity_id"])
    held = document_position >= 0
    document_code = pd.factorize(documents["evidence_value"].to_numpy()[held])[0]
    cluster_of, sizes, refused = cluster_positions(
        len(ids), a, b, strength, document_position[held], document_code
    )
    clusters = pd.DataFrame(
        {"identity_id": ids, "cluster_id": ids[cluster_of], "cluster_size": sizes}
    )
    refused_links = accepted.iloc[refused].assign(is_accepted=False, reason="conflicting_documents")
    return clusters[CLUSTER_COLUMNS], refused_links


def clusters_in_duckdb(con: duckdb.DuckDBPyConnection, identities, links, evidence) -> pa.Table:
    """`identity_clusters` over relations of `con` (identity_id; the links; the evidence),
    with the ids ranked and the links read as positions in SQL."""
    con.register("_cluster_identities", identities)
    con.register("_cluster_links", links)
    con.register("_cluster_evidence", evidence)
    con.execute(
        """
        create or replace temp table _cluster_nodes as
        select identity_id, (row_number() over (order by identity_id) - 1)::bigint as position
        from _cluster_identities
        """
    )
    strength = " ".join(f"when '{rule.name}' then {rule.strength}" for rule in RULES.values())
    edges = con.sql(
        f"""
        select node_a.position as a, node_b.position as b, case rule {strength} end as strength
        from _cluster_links as links
        inner join _cluster_nodes as node_a on links.identity_a = node_a.identity_id
        inner join _cluster_nodes as node_b on links.identity_b = node_b.identity_id
        where links.is_accepted
        """
    ).fetchnumpy()
    documents = con.sql(
        """
        select nodes.position, dense_rank() over (order by evidence_value) as code
        from _cluster_evidence as evidence
        inner join _cluster_nodes as nodes using (identity_id)
        where evidence.evidence_kind = 'document'
        """
    ).fetchnumpy()
    size = con.sql("select count(*) from _cluster_nodes").fetchall()[0][0]
    cluster_of, sizes, _refused = cluster_positions(
        size, edges["a"], edges["b"], edges["strength"], documents["position"], documents["code"]
    )
    con.register(
        "_cluster_positions",
        pa.table({"position": np.arange(size), "cluster_position": cluster_of, "size": sizes}),
    )
    clusters = con.sql(
        """
        select nodes.identity_id, cluster_nodes.identity_id as cluster_id, size as cluster_size
        from _cluster_positions as positions
        inner join _cluster_nodes as nodes using (position)
        inner join _cluster_nodes as cluster_nodes
            on positions.cluster_position = cluster_nodes.position
        order by nodes.identity_id
        """
    ).to_arrow_table()
    con.execute("drop table _cluster_nodes")
    for name in (
        "_cluster_identities",
        "_cluster_links",
        "_cluster_evidence",
        "_cluster_positions",
    ):
        con.unregister(name)
    return clusters


def _components(size: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    graph = coo_matrix((np.ones(len(a), dtype=np.int8), (a, b)), shape=(size, size))
    return connected_components(graph, directed=False)[1]


def _resolve_conflicts(labels, conflicted, a, b, strength, document_position, document_code):
    """Re-join the components holding two documents link by link, strongest first (then by
    position), refusing any link that would put two different documents together."""
    in_conflict = np.isin(labels, conflicted)
    link_rows = np.flatnonzero(in_conflict[a])
    link_rows = link_rows[np.lexsort((a[link_rows], b[link_rows], -strength[link_rows]))]
    parent = {int(node): int(node) for node in np.flatnonzero(in_conflict)}
    documents: dict[int, set[int]] = {}
    for position, code in zip(document_position.tolist(), document_code.tolist(), strict=True):
        if position in parent:
            documents.setdefault(position, set()).add(code)

    def root(node: int) -> int:
        while parent[node] != node:
            parent[node] = parent[parent[node]]
            node = parent[node]
        return node

    refused_rows = []
    for row in link_rows.tolist():
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
    return labels, np.asarray(refused_rows, dtype=np.int64)
