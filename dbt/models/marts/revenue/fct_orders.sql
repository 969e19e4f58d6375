{#- One row per Hotmart transaction (its latest status decides) and per won HubSpot deal.
    {{ doc('revenue_rules') }} -#}
with

sales as (

    select * from {{ ref('stg_hotmart__sales') }}
    where is_current_version

),

sale_buyers as (

    select transaction_id, user_ucode as buyer_ucode
    from {{ ref('stg_hotmart__sales_users') }}
    where is_current_version and user_role = 'BUYER' and user_ucode is not null
    qualify row_number() over (partition by transaction_id order by user_ucode) = 1

),

status_classes as (

    select * from {{ ref('hotmart_status_classes') }}

),

product_lines as (

    select * from {{ ref('product_lines') }}

),

deals as (

    select * from {{ ref('fct_deals') }}
    where is_won

),

contact_lineage as (

    select source, source_record_id, golden_contact_id from {{ ref('contact_lineage') }}

),

hotmart_orders as (

    select
        'hotmart:' || sales.transaction_id as order_id,
        'hotmart' as source,
        sales.transaction_id as source_order_id,
        coalesce(sale_buyers.buyer_ucode, sales.buyer_ucode) as source_customer_id,
        sales.product_id,
        sales.product_name,
        product_lines.product_line,
        sales.ordered_at,
        case
            when status_classes.status_class in ('paid', 'refunded')
                then coalesce(sales.approved_at, sales.ordered_at)
        end as paid_at,
        sales.purchase_status as status,
        coalesce(status_classes.status_class, 'unknown') as status_class,
        sales.price_currency_code as currency_code,
        sales.price_amount,
        sales.hotmart_fee_amount,
        sales.is_subscription,
        sales.recurrency_number,
        sales.tracking_source_sck as tracking_channel,
        case
            when status_classes.status_class is null
                then 'unknown status ' || coalesce(sales.purchase_status, '(none)')
            when status_classes.status_class not in ('paid', 'refunded') then null
            when sales.price_currency_code is distinct from 'BRL'
                then 'price in ' || coalesce(sales.price_currency_code, 'no currency')
            when sales.price_amount is null then 'no price'
            when sales.approved_at is null then 'no approval date: paid at the order date'
        end as revenue_issue,
        coalesce(
            status_classes.status_class in ('paid', 'refunded')
            and sales.price_currency_code = 'BRL'
            and sales.price_amount is not null,
            false
        ) as counts_as_revenue

    from sales
    left join sale_buyers
        on sales.transaction_id = sale_buyers.transaction_id
    left join status_classes
        on sales.purchase_status = status_classes.status
    left join product_lines
        on product_lines.source = 'hotmart' and sales.product_id = product_lines.product_key

),

deal_orders as (

    select
        'hubspot:' || deals.deal_id as order_id,
        'hubspot' as source,
        deals.deal_id as source_order_id,
        deals.hubspot_contact_id as source_customer_id,
        deals.pipeline_id as product_id,
        deals.deal_name as product_name,
        product_lines.product_line,
        deals.created_at as ordered_at,
        deals.closed_at as paid_at,
        deals.deal_stage_label as status,
        'paid' as status_class,
        deals.currency_code,
        deals.amount_brl as price_amount,
        null::decimal(18, 2) as hotmart_fee_amount,
        false as is_subscription,
        null::integer as recurrency_number,
        null::varchar as tracking_channel,
        case
            when deals.amount_brl is null and deals.currency_code is distinct from 'BRL'
                then 'amount in ' || coalesce(deals.currency_code, 'no currency')
            when deals.amount_brl is null then 'no amount'
            when deals.closed_at is null then 'no close date: in LTV, not in any cohort'
        end as revenue_issue,
        deals.amount_brl is not null as counts_as_revenue

    from deals
    left join product_lines
        on product_lines.source = 'hubspot_pipeline' and deals.pipeline_id = product_lines.product_key

),

orders as (

    select * from hotmart_orders
    union all
    select * from deal_orders

),

final as (

    select
        orders.order_id,
        orders.source,
        orders.source_order_id,
        orders.source_customer_id,
        contact_lineage.golden_contact_id,
        orders.product_id,
        orders.product_name,
        coalesce(orders.product_line, 'unmapped') as product_line,
        orders.ordered_at,
        orders.paid_at,
        orders.status,
        orders.status_class,
        orders.is_subscription,
        orders.recurrency_number,
        orders.tracking_channel,
        orders.currency_code,
        orders.price_amount,
        orders.counts_as_revenue,
        -- An amount that cannot be read as BRL revenue counts zero and carries its revenue_issue.
        case when orders.counts_as_revenue then orders.price_amount else 0 end::decimal(18, 2)
            as gross_brl,
        case
            when orders.counts_as_revenue and orders.status_class = 'refunded'
                then orders.price_amount
            else 0
        end::decimal(18, 2) as refunded_brl,
        case
            when orders.counts_as_revenue and orders.status_class = 'paid'
                then orders.price_amount
            else 0
        end::decimal(18, 2) as net_brl,
        case
            when orders.currency_code = 'BRL' then orders.hotmart_fee_amount
        end::decimal(18, 2) as hotmart_fee_brl,
        orders.revenue_issue

    from orders
    left join contact_lineage
        on orders.source = contact_lineage.source
        and orders.source_customer_id = contact_lineage.source_record_id

)

select * from final
