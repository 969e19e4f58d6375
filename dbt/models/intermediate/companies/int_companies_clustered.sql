{#- Every HubSpot company id, the records it was seen in and the ids only known from a
    HubSpot merge, clustered over the accepted links (connected components) and given its
    cluster's golden company id: 'gco_' and the id of the cluster's oldest record (its
    anchor). The id is unchanged across re-runs while the cluster keeps its oldest record;
    when two clusters join, the older anchor's id survives. -#}

with recursive

companies as (

    select * from {{ ref('int_companies_normalized') }}

),

links as (

    select * from {{ ref('int_company_links') }}
    where is_accepted

),

company_ids as (

    select company_id from companies
    union
    select company_id from links
    union
    select linked_company_id from links

),

edges as (

    select company_id, linked_company_id from links
    union
    select linked_company_id, company_id from links

),

-- Every id each id reaches; a practice's records are few, so this closure stays small.
reachable (company_id, reached_company_id) as (

    select
        company_id,
        company_id

    from company_ids

    union

    select
        reachable.company_id,
        edges.linked_company_id

    from reachable
    inner join edges
        on reachable.reached_company_id = edges.company_id

),

clusters as (

    select
        company_id,
        min(reached_company_id) as cluster_key

    from reachable
    group by company_id

),

clusters_with_records as (

    select
        clusters.company_id,
        clusters.cluster_key,
        companies.company_id is not null as is_in_warehouse,
        companies.created_at,
        companies.is_archived

    from clusters
    left join companies
        on clusters.company_id = companies.company_id

),

anchors as (

    select
        cluster_key,
        company_id as anchor_company_id

    from (
        select
            cluster_key,
            company_id,
            row_number() over (
                partition by cluster_key
                order by is_in_warehouse desc, {{ oldest_company_record_first() }}
            ) as position_in_cluster
        from clusters_with_records
    ) as ranked
    where position_in_cluster = 1

),

rules_per_company as (

    select
        company_id,
        string_agg(distinct rule, ',' order by rule) as linked_by

    from (
        select company_id, rule from links
        union all
        select linked_company_id, rule from links
    ) as link_ends
    group by company_id

),

merged_away_ids as (

    select distinct company_id from links
    where rule = 'hubspot_merge'

),

final as (

    select
        clusters_with_records.company_id,
        'gco_' || anchors.anchor_company_id as golden_company_id,
        anchors.anchor_company_id,
        clusters_with_records.company_id = anchors.anchor_company_id as is_anchor,
        case
            when clusters_with_records.company_id = anchors.anchor_company_id then 'anchor'
            else rules_per_company.linked_by
        end as linked_by,
        clusters_with_records.is_in_warehouse,
        merged_away_ids.company_id is not null as is_merged_away,
        coalesce(clusters_with_records.is_archived, false) as is_archived,
        clusters_with_records.created_at

    from clusters_with_records
    inner join anchors
        on clusters_with_records.cluster_key = anchors.cluster_key
    left join rules_per_company
        on clusters_with_records.company_id = rules_per_company.company_id
    left join merged_away_ids
        on clusters_with_records.company_id = merged_away_ids.company_id

)

select * from final
