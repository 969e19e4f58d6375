{#- Identity resolution as marts.contact_lineage and marts.contact_links record it. -#}
with

lineage as (

    select source, identity_id, golden_contact_id from {{ ref('contact_lineage') }}

),

links as (

    select rule, is_accepted, rejection_reason from {{ ref('contact_links') }}

),

sources_by_golden_contact as (

    select
        golden_contact_id,
        string_agg(distinct source, '+' order by source) as source_set,
        count(distinct source) as source_count

    from lineage
    group by golden_contact_id

),

per_source as (

    select
        source,
        count(*) as identities,
        count(distinct golden_contact_id) as golden_contacts

    from lineage
    group by source

),

checks as (

    select 'golden_contacts' as check_name, null as source, null as field, null as detail,
        count(*) as item_count
    from sources_by_golden_contact
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
    from sources_by_golden_contact
    where source_count > 1
    group by source_set
    union all
    select 'links_rejected', null, rule, rejection_reason, count(*)
    from links
    where not is_accepted
    group by rule, rejection_reason

)

{{ select_quality_checks('checks') }}
