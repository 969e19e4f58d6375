{#- Identity resolution as marts.dim_contacts (the sources and records each golden contact
    holds) and marts.contact_links record it. -#}
with

golden_contacts as (

    select
        golden_contact_id,
        array_to_string(sources, '+') as source_set,
        len(sources) as source_count,
        hubspot_records,
        hotmart_records,
        manychat_records,
        identities

    from {{ ref('dim_contacts') }}

),

links as (

    select rule, is_accepted, rejection_reason from {{ ref('contact_links') }}

),

source_records as (

    unpivot golden_contacts
    on hubspot_records as 'hubspot', hotmart_records as 'hotmart', manychat_records as 'manychat'
    into name source value records

),

per_source as (

    select
        source,
        sum(records)::bigint as identities,
        count(*) filter (where records > 0) as golden_contacts

    from source_records
    group by source
    having sum(records) > 0

),

checks as (

    select 'golden_contacts' as check_name, null as source, null as field, null as detail,
        count(*) as item_count
    from golden_contacts
    union all
    select 'golden_contacts', source, null, null, golden_contacts
    from per_source
    union all
    select 'source_identities', source, null, null, identities
    from per_source
    union all
    select 'duplicates_merged_within_source', source, null, null, identities - golden_contacts
    from per_source
    where identities > golden_contacts
    union all
    select 'duplicates_merged_across_sources', null, null, source_set, count(*)
    from golden_contacts
    where source_count > 1
    group by source_set
    union all
    -- More identities than a person plausibly has in three sources: a likely over-merge.
    select 'clusters_large', null, null, identities::varchar, count(*)
    from golden_contacts
    where identities > {{ var('identity_large_cluster_identities', 10) }}
    group by identities
    union all
    select 'links_rejected', null, rule, rejection_reason, count(*)
    from links
    where not is_accepted
    group by rule, rejection_reason

)

{{ select_quality_checks('checks') }}
