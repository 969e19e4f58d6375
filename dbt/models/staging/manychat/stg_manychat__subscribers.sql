{{ changed_records_config('subscriber_id') }}

with

source as (

    select * from {{ source('manychat', 'subscribers') }}
    {{ changed_records_only(source('manychat', 'subscribers')) }}

),

renamed as (

    select
        {{ version_id() }} as subscriber_version_id,
        record_key as subscriber_id,
        nullif(record ->> 'first_name', '') as first_name,
        nullif(record ->> 'last_name', '') as last_name,
        nullif(record ->> 'full_name', '') as full_name,
        name_key(
            coalesce(
                nullif(record ->> 'full_name', ''),
                concat_ws(' ', nullif(record ->> 'first_name', ''), nullif(record ->> 'last_name', ''))
            )
        ) as name_key,
        nullif(record ->> 'email', '') as email_raw,
        {{ email_columns("record ->> 'email'") }},
        -- Exports hold no address: a phone without area code cannot be completed here.
        nullif(record ->> 'phone', '') as phone_raw,
        {{ phone_columns("record ->> 'phone'", 'null', 'phone') }},
        nullif(record ->> 'whatsapp_phone', '') as whatsapp_phone_raw,
        {{ phone_columns("record ->> 'whatsapp_phone'", 'null', 'whatsapp_phone') }},
        -- Exports join tags with commas; split them into a list of trimmed names.
        list_filter(
            list_transform(
                string_split(coalesce(record ->> 'tags', ''), ','), lambda tag: trim(tag)
            ),
            lambda tag: tag != ''
        ) as tags,
        -- The importer reads each export's local times into UTC (`_utc`); rows loaded before
        -- it did keep the text as exported.
        try_cast(
            coalesce(record -> '_utc' ->> 'subscribed_at', nullif(record ->> 'subscribed_at', ''))
            as timestamp
        ) as subscribed_at,
        try_cast(
            coalesce(
                record -> '_utc' ->> 'last_interaction_at',
                nullif(record ->> 'last_interaction_at', '')
            ) as timestamp
        ) as last_interaction_at,
        record ->> '_source_file' as source_file,
        try_cast(record ->> '_source_line' as integer) as source_line,
        json_array_length(record -> '_flags') > 0 as has_flags,
        _recovered_from as recovered_from_quarantine,
        {{ is_current_version() }} as is_current_version,
        _extracted_at as extracted_at,
        _load_id as load_id

    from source

)

select * from renamed
