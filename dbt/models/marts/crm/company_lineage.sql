with

clustered as (

    select * from {{ ref('int_companies_clustered') }}

),

final as (

    select
        company_id as hubspot_company_id,
        golden_company_id,
        is_anchor,
        linked_by,
        is_in_warehouse,
        is_merged_away,
        is_archived,
        created_at

    from clustered

)

select * from final
