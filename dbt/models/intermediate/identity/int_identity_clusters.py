"""Each identity's cluster: connected components over accepted links, two different
documents never in one (crm_elt/identity/clusters.py). A link accepted by its rule whose two
identities still end in different clusters was refused for joining two documents."""


def model(dbt, session):
    from crm_elt.identity.clusters import clusters_in_duckdb

    dbt.config(materialized="table")
    return clusters_in_duckdb(
        session,
        dbt.ref("int_identities").select("identity_id"),
        dbt.ref("int_identity_links"),
        dbt.ref("int_identity_evidence"),
    )
