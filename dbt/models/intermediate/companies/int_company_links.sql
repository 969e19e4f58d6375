{#- Candidate links between HubSpot company records, each accepted or rejected by a named
    rule (documented in _companies__models.yml):

    - hubspot_merge: HubSpot merged the records (hs_merged_object_ids of the survivor);
    - same_domain: same website domain, unless the domain is generic (an email provider, a
      site builder: seed generic_company_domains), carried by records of different names in
      different cities, or by more records than var company_domain_max_records;
    - same_name_and_city: same name key and city key, unless those records carry two or
      more different non-generic domains (two practices of one name in one city).

    An equality rule needs no pair of every two records: each record of a block links to the
    block's oldest record, which joins the same clusters in linear time. -#}

with

companies as (

    select * from {{ ref('int_companies_normalized') }}

),

merged_ids_unnested as (

    select distinct
        survivor_company_id,
        trim(absorbed_company_id) as absorbed_company_id

    from (
        select
            company_id as survivor_company_id,
            unnest({{ split_string('merged_company_ids', "';'") }}) as absorbed_company_id
        from companies
        where merged_company_ids is not null
    ) as merged_ids

),

merge_links as (

    select
        absorbed_company_id as company_id,
        survivor_company_id as linked_company_id,
        'hubspot_merge' as rule,
        survivor_company_id as evidence,
        true as is_accepted,
        cast(null as varchar) as rejection_reason

    from merged_ids_unnested
    where absorbed_company_id <> '' and absorbed_company_id <> survivor_company_id

),

domain_stats as (

    select
        domain_key,
        count(*) as block_records,
        count(distinct company_name_key) as block_names,
        count(distinct city_key) as block_cities

    from companies
    where domain_key is not null
    group by domain_key

),

domain_blocks as (

    select
        companies.company_id,
        companies.domain_key,
        first_value(companies.company_id) over (
            partition by companies.domain_key
            order by {{ oldest_company_record_first('companies.') }}
        ) as block_anchor_id,
        case
            when companies.is_generic_domain then 'generic_domain'
            when domain_stats.block_records > {{ var('company_domain_max_records', 20) }}
                then 'domain_shared_by_many_records'
            when domain_stats.block_names > 1 and domain_stats.block_cities > 1
                then 'domain_shared_by_different_practices'
        end as rejection_reason

    from companies
    inner join domain_stats
        on companies.domain_key = domain_stats.domain_key

),

domain_links as (

    select
        company_id,
        block_anchor_id as linked_company_id,
        'same_domain' as rule,
        domain_key as evidence,
        rejection_reason is null as is_accepted,
        rejection_reason

    from domain_blocks
    where company_id <> block_anchor_id

),

name_city_stats as (

    select
        company_name_key,
        city_key,
        count(distinct case when not is_generic_domain then domain_key end) as block_domains

    from companies
    where company_name_key is not null and city_key is not null
    group by company_name_key, city_key

),

name_city_blocks as (

    select
        companies.company_id,
        companies.company_name_key || ' | ' || companies.city_key as evidence,
        first_value(companies.company_id) over (
            partition by companies.company_name_key, companies.city_key
            order by {{ oldest_company_record_first('companies.') }}
        ) as block_anchor_id,
        name_city_stats.block_domains

    from companies
    inner join name_city_stats
        on
            companies.company_name_key = name_city_stats.company_name_key
            and companies.city_key = name_city_stats.city_key

),

name_city_links as (

    select
        company_id,
        block_anchor_id as linked_company_id,
        'same_name_and_city' as rule,
        evidence,
        block_domains <= 1 as is_accepted,
        case when block_domains > 1 then 'conflicting_domains' end as rejection_reason

    from name_city_blocks
    where company_id <> block_anchor_id

),

links_unioned as (

    {% if company_rule_on('hubspot_merge') -%}
    select * from merge_links
    union all
    {% endif -%}
    {% if company_rule_on('same_domain') -%}
    select * from domain_links
    union all
    {% endif -%}
    {% if company_rule_on('same_name_and_city') -%}
    select * from name_city_links
    union all
    {% endif -%}
    select
        cast(null as varchar) as company_id,
        cast(null as varchar) as linked_company_id,
        cast(null as varchar) as rule,
        cast(null as varchar) as evidence,
        false as is_accepted,
        cast(null as varchar) as rejection_reason
    where false

),

final as (

    select
        company_id || '>' || linked_company_id || ':' || rule as company_link_id,
        *

    from links_unioned

)

select * from final
