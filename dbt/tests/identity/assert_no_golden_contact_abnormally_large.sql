{#- Golden contacts of more identities than a person plausibly has (dbt var
    identity_large_cluster_identities, default 10): a warning, not a failure, since a run
    must still deliver; each one is worth `python -m crm_elt why <golden id>`. -#}
{{ config(severity='warn') }}

select golden_contact_id, identities
from {{ ref('dim_contacts') }}
where identities > {{ var('identity_large_cluster_identities', 10) }}
