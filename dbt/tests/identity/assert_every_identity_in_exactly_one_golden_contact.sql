{#- Every source identity lands in exactly one golden contact, none dropped, none doubled. -#}
with

identities as (

    select identity_id from {{ ref('int_identities') }}

),

lineage as (

    select identity_id, count(*) as golden_contacts
    from {{ ref('contact_lineage') }}
    group by identity_id

)

select identities.identity_id, lineage.golden_contacts
from identities
left join lineage
    on identities.identity_id = lineage.identity_id
where coalesce(lineage.golden_contacts, 0) != 1
