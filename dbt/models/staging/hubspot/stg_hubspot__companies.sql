with

source as (

    select
        *,
        {{ parse_hubspot_record([
            'name', 'domain', 'especialidade_medica', 'phone', 'website', 'industry', 'city',
            'state', 'country', 'hs_merged_object_ids', 'createdate', 'hs_lastmodifieddate'
        ]) }} as fields

    from {{ source('hubspot', 'companies') }}

),

renamed as (

    select
        {{ version_id() }} as company_version_id,
        record_key as company_id,
        {{ hs_property('name') }} as company_name,
        lower({{ hs_property('domain') }}) as domain,
        {{ hs_property('especialidade_medica') }} as medical_specialty_raw,
        {{ hs_property('phone') }} as phone_raw,
        {{ hs_property('website') }} as website,
        {{ hs_property('industry') }} as industry,
        {{ hs_property('city') }} as city,
        {{ hs_property('state') }} as state,
        {{ hs_property('country') }} as country,
        {{ hs_property('hs_merged_object_ids') }} as merged_company_ids,
        {{ hs_timestamp('createdate') }} as created_at,
        {{ hs_timestamp('hs_lastmodifieddate') }} as modified_at,
        {{ hs_archived_columns() }},
        {{ version_columns() }}

    from source

)

select * from renamed
