{#- One row per source identity: which golden contact it became, and by which rules. -#}

with

identities as (

    select identity_id, source, source_record_id from {{ ref('int_identities') }}

),

golden_ids as (

    select * from {{ ref('int_golden_contact_ids') }}

),

links as (

    select * from {{ ref('contact_links') }}
    where is_accepted

),

link_ends as (

    select identity_a as identity_id, rule from links
    union all
    select identity_b as identity_id, rule from links

),

rules_by_identity as (

    select identity_id, list_sort(list_distinct(list(rule))) as linked_by_rules
    from link_ends
    group by identity_id

),

final as (

    select
        identities.source,
        identities.source_record_id,
        identities.identity_id,
        golden_ids.golden_contact_id,
        golden_ids.cluster_size,
        coalesce(rules_by_identity.linked_by_rules, []::varchar[]) as linked_by_rules

    from identities
    inner join golden_ids
        on identities.identity_id = golden_ids.identity_id
    left join rules_by_identity
        on identities.identity_id = rules_by_identity.identity_id

)

select * from final
