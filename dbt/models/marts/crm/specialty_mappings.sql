with

specialties as (

    select * from {{ ref('int_specialties_mapped') }}

),

final as (

    select
        medical_specialty_raw,
        medical_specialty,
        specialty_match,
        specialty_match_score,
        matched_alias,
        company_record_count

    from specialties

)

select * from final
