with

source as (

    select * from {{ source('hubspot', 'properties') }}

),

renamed as (

    select
        {{ version_id() }} as property_version_id,
        record_key as property_key,
        record ->> 'object_type' as object_type,
        record ->> 'name' as property_name,
        record ->> 'label' as property_label,
        record ->> 'type' as property_type,
        record ->> 'fieldType' as field_type,
        record ->> 'groupName' as group_name,
        coalesce(try_cast(record ->> 'hubspotDefined' as boolean), false) as is_hubspot_defined,
        {{ version_columns() }}

    from source

)

select * from renamed
