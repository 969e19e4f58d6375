with

source as (

    select
        *,
        {{ parse_hubspot_record([
            'dealname', 'pipeline', 'dealstage', 'dealtype', 'amount', 'deal_currency_code',
            'hubspot_owner_id', 'closedate', 'createdate', 'hs_lastmodifieddate'
        ]) }} as fields

    from {{ source('hubspot', 'deals') }}

),

renamed as (

    select
        {{ version_id() }} as deal_version_id,
        record_key as deal_id,
        {{ hs_property('dealname') }} as deal_name,
        {{ hs_property('pipeline') }} as pipeline_id,
        {{ hs_property('dealstage') }} as deal_stage_id,
        {{ hs_property('dealtype') }} as deal_type,
        try_cast({{ hs_property('amount') }} as decimal(18, 2)) as amount,
        coalesce({{ hs_property('deal_currency_code') }}, 'BRL') as currency_code,
        {{ hs_property('hubspot_owner_id') }} as owner_id,
        {{ hs_timestamp('closedate') }} as closed_at,
        {{ hs_timestamp('createdate') }} as created_at,
        {{ hs_timestamp('hs_lastmodifieddate') }} as modified_at,
        coalesce(fields.archived::boolean, false) as is_archived,
        try_cast(fields.archivedAt as timestamp) as archived_at,
        {{ is_current_version() }} as is_current_version,
        _extracted_at as extracted_at,
        _load_id as load_id

    from source

)

select * from renamed
