{#- Survivorship: each attribute comes from the first member record that has it, live
    records (not archived, not merged away in HubSpot) first, then the oldest. The specialty
    columns come together from one record: the first with a mapped specialty, else the first
    with any value. -#}
with

records as (

    select * from {{ ref('int_companies_normalized') }}

),

clustered as (

    select * from {{ ref('int_companies_clustered') }}

),

members as (

    select
        clustered.golden_company_id,
        clustered.anchor_company_id,
        clustered.is_merged_away,
        records.*,
        row_number() over (
            partition by clustered.golden_company_id
            order by
                records.is_archived or clustered.is_merged_away,
                {{ oldest_company_record_first('records.') }}
        ) as survivorship_rank

    from clustered
    inner join records
        on clustered.company_id = records.company_id

),

attributes_survived as (

    select
        golden_company_id,
        anchor_company_id,
        survivorship_rank,
        {% for attribute in ['company_name', 'domain_key', 'city', 'state', 'country', 'phone_e164', 'phone_raw'] -%}
        first_value({{ attribute }}) over (
            partition by golden_company_id
            order by {{ attribute }} is null, survivorship_rank
        ) as {{ attribute }},
        {% endfor -%}
        first_value(company_id) over (
            partition by golden_company_id
            order by
                medical_specialty is null, medical_specialty_raw is null, survivorship_rank
        ) as specialty_company_id

    from members

),

member_counts as (

    select
        golden_company_id,
        count(*) as hubspot_record_count,
        string_agg(company_id, ',' order by length(company_id), company_id)
            as hubspot_company_ids,
        bool_and(is_archived or is_merged_away) as is_archived,
        min(created_at) as created_at,
        max(modified_at) as modified_at

    from members
    group by golden_company_id

),

final as (

    select
        attributes_survived.golden_company_id,
        attributes_survived.company_name,
        attributes_survived.domain_key as domain,
        attributes_survived.city,
        attributes_survived.state,
        attributes_survived.country,
        attributes_survived.phone_e164,
        attributes_survived.phone_raw,
        specialty_records.medical_specialty,
        specialty_records.medical_specialty_raw,
        specialty_records.specialty_match,
        specialty_records.specialty_match_score,
        attributes_survived.anchor_company_id,
        member_counts.hubspot_company_ids,
        member_counts.hubspot_record_count,
        member_counts.is_archived,
        member_counts.created_at,
        member_counts.modified_at

    from attributes_survived
    inner join member_counts
        on attributes_survived.golden_company_id = member_counts.golden_company_id
    inner join records as specialty_records
        on attributes_survived.specialty_company_id = specialty_records.company_id
    where attributes_survived.survivorship_rank = 1

)

select * from final
