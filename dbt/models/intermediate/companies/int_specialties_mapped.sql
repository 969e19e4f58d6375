{#- match_specialty is Python (crm_elt.normalize.specialties, through crm_elt.dbt_plugin),
    called once per distinct value at build time. -#}

with

companies as (

    select * from {{ ref('stg_hubspot__companies') }}
    where is_current_version

),

specialty_aliases as (

    select * from {{ ref('specialty_aliases') }}

),

raw_values_counted as (

    select
        medical_specialty_raw,
        count(*) as company_record_count

    from companies
    where medical_specialty_raw is not null
    group by medical_specialty_raw

),

vocabulary as (

    select
        array_agg(alias order by alias, specialty) as aliases,
        array_agg(specialty order by alias, specialty) as specialties

    from specialty_aliases

),

raw_values_matched as (

    select
        raw_values_counted.medical_specialty_raw,
        raw_values_counted.company_record_count,
        match_specialty(
            raw_values_counted.medical_specialty_raw,
            vocabulary.aliases,
            vocabulary.specialties
        ) as specialty_match_result

    from raw_values_counted
    cross join vocabulary

),

final as (

    select
        medical_specialty_raw,
        specialty_match_result.specialty as medical_specialty,
        specialty_match_result.specialty_match as specialty_match,
        specialty_match_result.specialty_match_score as specialty_match_score,
        specialty_match_result.matched_alias as matched_alias,
        company_record_count

    from raw_values_matched

)

select * from final
