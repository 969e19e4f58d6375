with

source as (

    select * from {{ source('manychat', 'subscriber_profiles') }}

),

current_versions as (

    select * from source
    qualify {{ is_current_version() }}

),

renamed as (

    select
        record_key as subscriber_id,
        record ->> 'page_id' as page_id,
        nullif(record ->> 'first_name', '') as first_name,
        nullif(record ->> 'last_name', '') as last_name,
        nullif(record ->> 'name', '') as full_name,
        nullif(record ->> 'gender', '') as gender,
        nullif(record ->> 'locale', '') as locale,
        nullif(record ->> 'language', '') as language,
        nullif(record ->> 'timezone', '') as timezone,
        nullif(record ->> 'email', '') as email_raw,
        lower(nullif(trim(record ->> 'email'), '')) as email,
        nullif(record ->> 'phone', '') as phone_raw,
        nullif(record ->> 'whatsapp_phone', '') as whatsapp_phone_raw,
        coalesce(try_cast(record ->> 'optin_email' as boolean), false) as has_email_optin,
        coalesce(try_cast(record ->> 'optin_phone' as boolean), false) as has_phone_optin,
        coalesce(try_cast(record ->> 'optin_whatsapp' as boolean), false)
            as has_whatsapp_optin,
        try_cast(record ->> 'is_followup_enabled' as boolean) as is_followup_enabled,
        -- W3C datetimes with an offset (2026-01-05T14:03:00-03:00), stored as UTC.
        try_cast(record ->> 'subscribed' as timestamptz) at time zone 'UTC' as subscribed_at,
        try_cast(record ->> 'last_interaction' as timestamptz) at time zone 'UTC'
            as last_interaction_at,
        try_cast(record ->> 'last_seen' as timestamptz) at time zone 'UTC' as last_seen_at,
        list_transform(
            coalesce(from_json(record -> 'tags', '[{"id": "varchar", "name": "varchar"}]'), []),
            lambda tag: tag.name
        ) as tags,
        record -> 'custom_fields' as custom_fields,
        nullif(record ->> 'live_chat_url', '') as live_chat_url,
        _extracted_at as extracted_at,
        _load_id as load_id

    from current_versions

)

select * from renamed
