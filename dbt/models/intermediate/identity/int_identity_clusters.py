"""Each identity's cluster: connected components over accepted links, two different
documents never in one (crm_elt/identity/clusters.py). A link accepted by its rule whose two
identities still end in different clusters was refused for joining two documents."""


def model(dbt, session):
    from crm_elt.identity.clusters import identity_clusters

    dbt.config(materialized="table")
    identities = dbt.ref("int_identities").select("identity_id").df()
    links = dbt.ref("int_identity_links").df()
    documents = dbt.ref("int_identity_evidence").filter("evidence_kind = 'document'").df()
    clusters, _refused = identity_clusters(identities["identity_id"].to_numpy(), links, documents)
    return clusters
