with

source as (

    select * from {{ source('hotmart', 'sales') }}

),

renamed as (

    select
        {{ version_id() }} as sale_version_id,
        record_key as transaction_id,
        record -> 'product' ->> 'id' as product_id,
        record -> 'product' ->> 'name' as product_name,
        record -> 'buyer' ->> 'ucode' as buyer_ucode,
        record -> 'buyer' ->> 'name' as buyer_name,
        record -> 'buyer' ->> 'email' as buyer_email_raw,
        lower(trim(record -> 'buyer' ->> 'email')) as buyer_email,
        upper(record -> 'purchase' ->> 'status') as purchase_status,
        {{ epoch_to_timestamp("record -> 'purchase' ->> 'order_date'") }} as ordered_at,
        {{ epoch_to_timestamp("record -> 'purchase' ->> 'approved_date'") }} as approved_at,
        {{ epoch_to_timestamp("record -> 'purchase' ->> 'warranty_expire_date'") }}
            as warranty_expires_at,
        try_cast(record -> 'purchase' -> 'price' ->> 'value' as decimal(18, 2)) as price_amount,
        record -> 'purchase' -> 'price' ->> 'currency_code' as price_currency_code,
        record -> 'purchase' -> 'payment' ->> 'method' as payment_method,
        record -> 'purchase' -> 'payment' ->> 'type' as payment_type,
        try_cast(record -> 'purchase' -> 'payment' ->> 'installments_number' as integer)
            as installments,
        coalesce(try_cast(record -> 'purchase' ->> 'is_subscription' as boolean), false)
            as is_subscription,
        try_cast(record -> 'purchase' ->> 'recurrency_number' as integer) as recurrency_number,
        record -> 'purchase' ->> 'commission_as' as commission_as,
        record -> 'purchase' -> 'tracking' ->> 'source' as tracking_source,
        record -> 'purchase' -> 'tracking' ->> 'source_sck' as tracking_source_sck,
        record -> 'purchase' -> 'offer' ->> 'code' as offer_code,
        try_cast(record -> 'purchase' -> 'hotmart_fee' ->> 'total' as decimal(18, 2))
            as hotmart_fee_amount,
        {{ is_current_version() }} as is_current_version,
        _extracted_at as extracted_at,
        _load_id as load_id

    from source

)

select * from renamed
