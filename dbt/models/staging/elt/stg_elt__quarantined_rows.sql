with

source as (

    select * from {{ source('elt', 'quarantine') }}

),

renamed as (

    select
        load_id,
        source,
        entity,
        file_name,
        line_number,
        field,
        reason,
        -- Reasons name the offending value ("subscriber id '2.41E+15' is in scientific
        -- notation (an Excel round trip...)"): masking quoted values and numbers, and dropping
        -- the advice after " (" or ": ", leaves the kind of problem, to count rows by.
        trim(
            split_part(
                split_part(
                    regexp_replace(
                        regexp_replace(reason, '''[^'']*''', '<value>', 'g'), '\d+', 'N', 'g'
                    ),
                    ' (',
                    1
                ),
                ': ',
                1
            )
        ) as reason_kind,
        quarantined_at

    from source

)

select * from renamed
