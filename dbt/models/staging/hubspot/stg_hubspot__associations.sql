{{ changed_records_config('association_id') }}

with

source as (

    select
        *,
        {{ parse_record({
            'from_type': 'VARCHAR',
            'from_id': 'VARCHAR',
            'to_type': 'VARCHAR',
            'to_id': 'VARCHAR',
            'association_types': [{'typeId': 'INTEGER'}],
            'deleted': 'VARCHAR'
        }) }} as fields

    from {{ source('hubspot', 'associations') }}
    {{ changed_records_only(source('hubspot', 'associations')) }}

),

renamed as (

    select
        {{ version_id() }} as association_version_id,
        record_key as association_id,
        fields.from_type as from_object_type,
        fields.from_id as from_object_id,
        fields.to_type as to_object_type,
        fields.to_id as to_object_id,
        list_transform(
            fields.association_types, lambda association_type: association_type.typeId
        ) as association_type_ids,
        -- A link HubSpot no longer returns gets a tombstone version at extraction.
        coalesce(fields.deleted::boolean, false) as is_deleted,
        -- A tombstone is written by the extraction that missed the link.
        case
            when coalesce(fields.deleted::boolean, false) then _extracted_at
        end as deleted_detected_at,
        {{ version_columns() }}

    from source

)

select * from renamed
