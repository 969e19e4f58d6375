{#- One row per current HubSpot deal (archived deals are left out; they stay in
    stg_hubspot__deals). Won and closed come from the stage's metadata in the pipelines API,
    never from stage names. The company is the deal's own association resolved to its golden
    company; a deal without one takes its contact's company when that contact belongs to
    exactly one golden company (company_repair = 'from_contact'), and is flagged
    (has_company false) otherwise, with the reason in company_repair_reason. -#}
with

deals as (

    select * from {{ ref('stg_hubspot__deals') }}
    where is_current_version and not is_archived

),

stages as (

    select * from {{ ref('stg_hubspot__deal_pipeline_stages') }}
    where is_current_version

),

associations as (

    select * from {{ ref('stg_hubspot__associations') }}
    where is_current_version and not is_deleted

),

company_lineage as (

    select * from {{ ref('company_lineage') }}

),

-- HubSpot's association type ids that mark the primary company of a deal / of a contact.
deal_companies_resolved as (

    select
        associations.from_object_id as deal_id,
        associations.to_object_id as hubspot_company_id,
        company_lineage.golden_company_id,
        {{ list_has('associations.association_type_ids', 5) }} as is_primary

    from associations
    left join company_lineage
        on associations.to_object_id = company_lineage.hubspot_company_id
    where associations.from_object_type = 'deals' and associations.to_object_type = 'companies'

),

contact_companies_resolved as (

    select
        associations.from_object_id as hubspot_contact_id,
        associations.to_object_id as hubspot_company_id,
        company_lineage.golden_company_id

    from associations
    inner join company_lineage
        on associations.to_object_id = company_lineage.hubspot_company_id
    where
        associations.from_object_type = 'contacts'
        and associations.to_object_type = 'companies'

),

deal_companies_chosen as (

    select
        deal_id,
        hubspot_company_id,
        golden_company_id

    from (
        select
            *,
            row_number() over (
                partition by deal_id
                order by
                    golden_company_id is null,
                    is_primary desc,
                    length(hubspot_company_id),
                    hubspot_company_id
            ) as choice_rank
        from deal_companies_resolved
    ) as ranked
    where choice_rank = 1

),

deal_contacts_chosen as (

    select
        deal_id,
        hubspot_contact_id

    from (
        select
            from_object_id as deal_id,
            to_object_id as hubspot_contact_id,
            row_number() over (
                partition by from_object_id
                order by
                    {{ list_has('association_type_ids', 3) }} desc,
                    length(to_object_id),
                    to_object_id
            ) as choice_rank
        from associations
        where from_object_type = 'deals' and to_object_type = 'contacts'
    ) as ranked
    where choice_rank = 1

),

contact_golden_companies as (

    select
        hubspot_contact_id,
        count(distinct golden_company_id) as golden_company_count,
        min(golden_company_id) as golden_company_id,
        min(hubspot_company_id) as hubspot_company_id

    from contact_companies_resolved
    group by hubspot_contact_id

),

deals_joined as (

    select
        deals.*,
        stages.stage_version_id is not null as has_known_stage,
        stages.pipeline_label,
        stages.deal_stage_label,
        stages.probability as deal_stage_probability,
        stages.is_closed as stage_is_closed,
        deal_companies_chosen.hubspot_company_id as deal_hubspot_company_id,
        deal_companies_chosen.golden_company_id as deal_golden_company_id,
        deal_contacts_chosen.hubspot_contact_id,
        contact_golden_companies.golden_company_count as contact_golden_company_count,
        contact_golden_companies.golden_company_id as contact_golden_company_id,
        contact_golden_companies.hubspot_company_id as contact_hubspot_company_id

    from deals
    left join stages
        on deals.pipeline_id = stages.pipeline_id and deals.deal_stage_id = stages.deal_stage_id
    left join deal_companies_chosen
        on deals.deal_id = deal_companies_chosen.deal_id
    left join deal_contacts_chosen
        on deals.deal_id = deal_contacts_chosen.deal_id
    left join contact_golden_companies
        on deal_contacts_chosen.hubspot_contact_id = contact_golden_companies.hubspot_contact_id

),

companies_repaired as (

    select
        *,
        case
            when deal_golden_company_id is not null then null
            when contact_golden_company_count = 1 then 'from_contact'
        end as company_repair,
        case
            when deal_golden_company_id is not null then null
            else
                case
                    when deal_hubspot_company_id is not null
                        then 'the deal''s company ' || deal_hubspot_company_id
                            || ' is not in the warehouse'
                    else 'no company association'
                end
                || case
                    when hubspot_contact_id is null then '; no contact'
                    when contact_golden_company_count is null
                        then '; contact ' || hubspot_contact_id || ' has no company'
                    when contact_golden_company_count = 1
                        then '; taken from contact ' || hubspot_contact_id
                            || ' (company ' || contact_hubspot_company_id || ')'
                    else '; contact ' || hubspot_contact_id || ' belongs to '
                        || cast(contact_golden_company_count as varchar) || ' companies'
                end
        end as company_repair_reason

    from deals_joined

),

final as (

    select
        deal_id,
        deal_name,
        pipeline_id,
        pipeline_label,
        deal_stage_id,
        deal_stage_label,
        deal_stage_probability,
        has_known_stage,
        stage_is_closed as is_closed,
        stage_is_closed and deal_stage_probability = 1 as is_won,
        stage_is_closed and deal_stage_probability = 0 as is_lost,
        case when currency_code = 'BRL' then amount end as amount_brl,
        currency_code,
        deal_type,
        owner_id,
        case
            when company_repair = 'from_contact' then contact_golden_company_id
            else deal_golden_company_id
        end as golden_company_id,
        case
            when company_repair = 'from_contact' then contact_hubspot_company_id
            else deal_hubspot_company_id
        end as hubspot_company_id,
        deal_golden_company_id is not null or coalesce(company_repair = 'from_contact', false)
            as has_company,
        company_repair,
        company_repair_reason,
        hubspot_contact_id,
        created_at,
        closed_at,
        modified_at

    from companies_repaired

),

contact_lineage as (

    select source_record_id, golden_contact_id from {{ ref('contact_lineage') }}
    where source = 'hubspot'

),

with_golden_contact as (

    select
        final.*,
        contact_lineage.golden_contact_id

    from final
    left join contact_lineage
        on final.hubspot_contact_id = contact_lineage.source_record_id

)

select * from with_golden_contact
