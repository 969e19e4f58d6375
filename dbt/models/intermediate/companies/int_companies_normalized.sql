{#- The current version of every HubSpot company record (archived ones included: deals and
    contacts may still point at them), with the keys the merge rules compare. -#}

with

companies as (

    select * from {{ ref('stg_hubspot__companies') }}
    where is_current_version

),

specialties as (

    select * from {{ ref('int_specialties_mapped') }}

),

generic_domains as (

    select * from {{ ref('generic_company_domains') }}

),

domains_extracted as (

    select
        *,
        -- The domain property, else the website's host: scheme, www., path and port dropped.
        nullif(
            regexp_replace(
                regexp_replace(
                    regexp_replace(lower(trim(coalesce(domain, website))), '^[a-z]+://', ''),
                    '^www\.',
                    ''
                ),
                '[/:?#].*$|\.$',
                ''
            ),
            ''
        ) as domain_key

    from companies

),

companies_keyed as (

    select
        domains_extracted.company_id,
        domains_extracted.company_name,
        name_key(domains_extracted.company_name) as company_name_key,
        domains_extracted.domain,
        domains_extracted.website,
        domains_extracted.domain_key,
        generic_domains.domain is not null as is_generic_domain,
        domains_extracted.city,
        name_key(domains_extracted.city) as city_key,
        domains_extracted.state,
        domains_extracted.country,
        domains_extracted.phone_raw,
        normalize_phone(
            domains_extracted.phone_raw, domains_extracted.state, domains_extracted.city
        ).e164 as phone_e164,
        domains_extracted.medical_specialty_raw,
        specialties.medical_specialty,
        specialties.specialty_match,
        specialties.specialty_match_score,
        domains_extracted.merged_company_ids,
        domains_extracted.is_archived,
        domains_extracted.archived_at,
        domains_extracted.created_at,
        domains_extracted.modified_at

    from domains_extracted
    left join generic_domains
        on domains_extracted.domain_key = generic_domains.domain
    left join specialties
        on domains_extracted.medical_specialty_raw = specialties.medical_specialty_raw

)

select * from companies_keyed
