{{ changed_records_config('deal_id') }}

with

source as (

    select
        *,
        {{ parse_hubspot_record([
            'dealname', 'pipeline', 'dealstage', 'dealtype', 'amount', 'deal_currency_code',
            'hubspot_owner_id', 'closedate', 'createdate', 'hs_lastmodifieddate'
        ]) }} as fields

    from {{ source('hubspot', 'deals') }}
    {{ changed_records_only(source('hubspot', 'deals')) }}

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
        {{ hs_archived_columns() }},
        {{ version_columns() }}

    from source

)

select * from renamed
