with

source as (

    select
        *,
        {{ version_id() }} as pipeline_version_id,
        -- Flagged before the unnest: every stage of the current version is current.
        {{ is_current_version() }} as is_current_version

    from {{ source('hubspot', 'deal_pipelines') }}

),

stages_unnested as (

    select
        source.*,
        unnest(coalesce(from_json(record -> 'stages', '["json"]'), [])) as stage

    from source

),

renamed as (

    select
        pipeline_version_id || ':' || (stage ->> 'id') as stage_version_id,
        pipeline_version_id,
        record_key as pipeline_id,
        record ->> 'label' as pipeline_label,
        stage ->> 'id' as deal_stage_id,
        stage ->> 'label' as deal_stage_label,
        try_cast(stage ->> 'displayOrder' as integer) as display_order,
        try_cast(stage -> 'metadata' ->> 'probability' as double) as probability,
        coalesce(try_cast(stage -> 'metadata' ->> 'isClosed' as boolean), false) as is_closed,
        coalesce(try_cast(stage ->> 'archived' as boolean), false) as is_archived,
        is_current_version,
        _extracted_at as extracted_at,
        _load_id as load_id

    from stages_unnested

)

select * from renamed
