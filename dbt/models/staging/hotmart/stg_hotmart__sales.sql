{{ changed_records_config('transaction_id') }}

with

source as (

    select
        *,
        {{ parse_record({
            'product': {'id': 'VARCHAR', 'name': 'VARCHAR'},
            'buyer': {'ucode': 'VARCHAR', 'name': 'VARCHAR', 'email': 'VARCHAR'},
            'purchase': {
                'status': 'VARCHAR',
                'order_date': 'VARCHAR',
                'approved_date': 'VARCHAR',
                'warranty_expire_date': 'VARCHAR',
                'price': {'value': 'VARCHAR', 'currency_code': 'VARCHAR'},
                'payment': {
                    'method': 'VARCHAR', 'type': 'VARCHAR', 'installments_number': 'VARCHAR'
                },
                'is_subscription': 'VARCHAR',
                'recurrency_number': 'VARCHAR',
                'commission_as': 'VARCHAR',
                'tracking': {'source': 'VARCHAR', 'source_sck': 'VARCHAR'},
                'offer': {'code': 'VARCHAR'},
                'hotmart_fee': {'total': 'VARCHAR'}
            }
        }) }} as fields

    from {{ source('hotmart', 'sales') }}
    {{ changed_records_only(source('hotmart', 'sales')) }}

),

renamed as (

    select
        {{ version_id() }} as sale_version_id,
        record_key as transaction_id,
        fields.product.id as product_id,
        fields.product.name as product_name,
        fields.buyer.ucode as buyer_ucode,
        fields.buyer.name as buyer_name,
        fields.buyer.email as buyer_email_raw,
        lower(trim(fields.buyer.email)) as buyer_email,
        upper(fields.purchase.status) as purchase_status,
        {{ epoch_to_timestamp("fields.purchase.order_date") }} as ordered_at,
        {{ epoch_to_timestamp("fields.purchase.approved_date") }} as approved_at,
        {{ epoch_to_timestamp("fields.purchase.warranty_expire_date") }}
            as warranty_expires_at,
        try_cast(fields.purchase.price.value as decimal(18, 2)) as price_amount,
        fields.purchase.price.currency_code as price_currency_code,
        fields.purchase.payment.method as payment_method,
        fields.purchase.payment.type as payment_type,
        try_cast(fields.purchase.payment.installments_number as integer)
            as installments,
        coalesce(try_cast(fields.purchase.is_subscription as boolean), false)
            as is_subscription,
        try_cast(fields.purchase.recurrency_number as integer) as recurrency_number,
        fields.purchase.commission_as as commission_as,
        fields.purchase.tracking.source as tracking_source,
        fields.purchase.tracking.source_sck as tracking_source_sck,
        fields.purchase.offer.code as offer_code,
        try_cast(fields.purchase.hotmart_fee.total as decimal(18, 2))
            as hotmart_fee_amount,
        {{ version_columns() }}

    from source

)

select * from renamed
