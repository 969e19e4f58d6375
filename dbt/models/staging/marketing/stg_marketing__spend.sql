with

source as (

    select * from {{ source('marketing', 'spend') }}

),

renamed as (

    select
        {{ version_id() }} as spend_version_id,
        record_key as spend_id,
        strptime(record ->> 'month', '%Y-%m')::date as spend_month,
        record ->> 'channel' as channel,
        (record ->> 'amount')::decimal(18, 2) as amount,
        record ->> 'currency' as currency_code,
        record ->> '_source_file' as source_file,
        try_cast(record ->> '_source_line' as integer) as source_line,
        {{ version_columns() }}

    from source

)

select * from renamed
