{{ changed_records_config('subscriber_id') }}

with

source as (

    select
        *,
        {{ parse_record({
            'first_name': 'VARCHAR',
            'last_name': 'VARCHAR',
            'full_name': 'VARCHAR',
            'email': 'VARCHAR',
            'phone': 'VARCHAR',
            'whatsapp_phone': 'VARCHAR',
            'tags': 'VARCHAR',
            'subscribed_at': 'VARCHAR',
            'last_interaction_at': 'VARCHAR',
            '_utc': {'subscribed_at': 'VARCHAR', 'last_interaction_at': 'VARCHAR'},
            '_source_file': 'VARCHAR',
            '_source_line': 'VARCHAR',
            '_flags': 'JSON'
        }) }} as fields

    from {{ source('manychat', 'subscribers') }}
    {{ changed_records_only(source('manychat', 'subscribers')) }}

),

renamed as (

    select
        {{ version_id() }} as subscriber_version_id,
        record_key as subscriber_id,
        nullif(fields.first_name, '') as first_name,
        nullif(fields.last_name, '') as last_name,
        nullif(fields.full_name, '') as full_name,
        name_key(
            coalesce(
                nullif(fields.full_name, ''),
                concat_ws(' ', nullif(fields.first_name, ''), nullif(fields.last_name, ''))
            )
        ) as name_key,
        nullif(fields.email, '') as email_raw,
        {{ email_columns("fields.email") }},
        -- Exports hold no address: a phone without area code cannot be completed here.
        nullif(fields.phone, '') as phone_raw,
        {{ phone_columns("fields.phone", 'null', 'phone') }},
        nullif(fields.whatsapp_phone, '') as whatsapp_phone_raw,
        {{ phone_columns("fields.whatsapp_phone", 'null', 'whatsapp_phone') }},
        -- Exports join tags with commas; split them into a list of trimmed names.
        list_filter(
            list_transform(
                string_split(coalesce(fields.tags, ''), ','), lambda tag: trim(tag)
            ),
            lambda tag: tag != ''
        ) as tags,
        -- The importer reads each export's local times into UTC (`_utc`); rows loaded before
        -- it did keep the text as exported.
        try_cast(
            coalesce(fields._utc.subscribed_at, nullif(fields.subscribed_at, ''))
            as timestamp
        ) as subscribed_at,
        try_cast(
            coalesce(
                fields._utc.last_interaction_at,
                nullif(fields.last_interaction_at, '')
            ) as timestamp
        ) as last_interaction_at,
        fields._source_file as source_file,
        try_cast(fields._source_line as integer) as source_line,
        json_array_length(fields._flags) > 0 as has_flags,
        _recovered_from as recovered_from_quarantine,
        {{ version_columns() }}

    from source

)

select * from renamed
