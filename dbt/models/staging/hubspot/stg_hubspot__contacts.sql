{{ changed_records_config('contact_id') }}

with

source as (

    select
        *,
        {{ parse_hubspot_record([
            'email', 'firstname', 'lastname', 'phone', 'mobilephone', 'city', 'state',
            'lifecyclestage', 'hs_lead_status', 'hs_analytics_source', 'consentimento_whatsapp',
            var('hubspot_product_line_property', 'linha_de_interesse'), 'hs_merged_object_ids',
            'createdate', 'lastmodifieddate'
        ]) }} as fields

    from {{ source('hubspot', 'contacts') }}
    {{ changed_records_only(source('hubspot', 'contacts')) }}

),

renamed as (

    select
        {{ version_id() }} as contact_version_id,
        record_key as contact_id,
        {{ hs_property('email') }} as email_raw,
        {{ email_columns(hs_property('email')) }},
        {{ hs_property('firstname') }} as first_name,
        {{ hs_property('lastname') }} as last_name,
        name_key(concat_ws(' ', {{ hs_property('firstname') }}, {{ hs_property('lastname') }}))
            as name_key,
        {{ hs_property('phone') }} as phone_raw,
        {{ phone_columns(hs_property('phone'), hs_property('state'), 'phone', hs_property('city')) }},
        {{ hs_property('mobilephone') }} as mobile_phone_raw,
        {{ phone_columns(
            hs_property('mobilephone'), hs_property('state'), 'mobile_phone', hs_property('city')
        ) }},
        {{ hs_property('city') }} as city,
        {{ hs_property('state') }} as state,
        {{ hs_property('lifecyclestage') }} as lifecycle_stage,
        {{ hs_property('hs_lead_status') }} as lead_status,
        {{ hs_property('hs_analytics_source') }} as acquisition_channel,
        -- The portal's custom consent property; null when the contact never answered.
        try_cast({{ hs_property('consentimento_whatsapp') }} as boolean) as has_whatsapp_consent,
        -- The portal's product-line interest, when it has such a property (audiences read it).
        {{ hs_property(var('hubspot_product_line_property', 'linha_de_interesse')) }}
            as product_line_interest,
        {{ hs_property('hs_merged_object_ids') }} as merged_contact_ids,
        {{ hs_timestamp('createdate') }} as created_at,
        {{ hs_timestamp('lastmodifieddate') }} as modified_at,
        {{ hs_archived_columns() }},
        {{ version_columns() }}

    from source

)

select * from renamed
