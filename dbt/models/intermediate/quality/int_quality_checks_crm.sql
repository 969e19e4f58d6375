{#- HubSpot's own housekeeping (archived and merged records), specialties and deal companies. -#}
with

contacts as (

    select is_archived, merged_contact_ids as merged_ids from {{ ref('stg_hubspot__contacts') }}
    where is_current_version

),

companies as (

    select is_archived, merged_company_ids as merged_ids from {{ ref('stg_hubspot__companies') }}
    where is_current_version

),

deals as (

    select is_archived from {{ ref('stg_hubspot__deals') }}
    where is_current_version

),

specialty_mappings as (

    select specialty_match, company_record_count from {{ ref('specialty_mappings') }}

),

current_deals as (

    select company_repair, has_company from {{ ref('fct_deals') }}

),

hubspot_records as (

    select 'contacts' as object_type, is_archived, merged_ids from contacts
    union all
    select 'companies', is_archived, merged_ids from companies
    union all
    select 'deals', is_archived, null from deals

),

checks as (

    select 'hubspot_records_archived' as check_name, 'hubspot' as source, object_type as field,
        null as detail, count(*) as item_count
    from hubspot_records
    where is_archived
    group by object_type
    union all
    -- HubSpot lists the ids a record absorbed as "id;id;...".
    select 'hubspot_records_merged', 'hubspot', object_type, null,
        sum(len({{ split_string('merged_ids', "';'") }}))
    from hubspot_records
    where merged_ids is not null
    group by object_type
    union all
    select 'specialties_mapped', 'hubspot', 'companies', specialty_match,
        sum(company_record_count)
    from specialty_mappings
    group by specialty_match
    union all
    select 'deals_without_company', 'hubspot', 'deals',
        case when has_company then 'repaired_from_contact' else 'not_repaired' end,
        count(*)
    from current_deals
    where company_repair is not null or not has_company
    group by has_company

)

{{ select_quality_checks('checks') }}
