with

source as (

    select * from {{ source('elt', 'load_log') }}

),

renamed as (

    select
        load_id,
        source,
        stream,
        started_at,
        finished_at,
        outcome

    from source

)

select * from renamed
