"""Every candidate link between two identities, accepted or not, with its rule and evidence.

The rules are in crm_elt/identity/rules.py; `identity_rules_off` (a dbt var, through this
model's config) switches some off.
"""


def model(dbt, session):
    from crm_elt.identity.links import identity_links

    dbt.config(materialized="table")
    rules_off = dbt.config.get("identity_rules_off") or []
    # The pairing runs as SQL on dbt's own connection, over the tables themselves.
    return identity_links(
        dbt.ref("int_identities"), dbt.ref("int_identity_evidence"), rules_off, con=session
    )
