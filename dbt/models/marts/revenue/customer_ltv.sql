{#- One row per golden contact with at least one order that counts as revenue: its net
    lifetime value, purchases, cohort and acquisition channel. Sums fct_orders only. -#}
with

revenue_orders as (

    select * from {{ ref('fct_orders') }}
    where counts_as_revenue and golden_contact_id is not null

),

contacts as (

    select golden_contact_id, acquisition_channel from {{ ref('dim_contacts') }}

),

channel_map as (

    select * from {{ ref('acquisition_channels') }}

),

orders_summed_per_contact as (

    select
        golden_contact_id,
        count(*) as orders,
        min(paid_at) as first_paid_at,
        max(paid_at) as last_paid_at,
        sum(gross_brl)::decimal(18, 2) as gross_brl,
        sum(refunded_brl)::decimal(18, 2) as refunded_brl,
        sum(net_brl)::decimal(18, 2) as net_ltv_brl,
        {%- for line in ['ilpi', 'estetica', 'cannabidiol'] %}
        coalesce(sum(net_brl) filter (where product_line = '{{ line }}'), 0)::decimal(18, 2)
            as net_ltv_{{ line }}_brl,
        {%- endfor %}

    from revenue_orders
    group by golden_contact_id

),

channels_mapped as (

    select
        orders_summed_per_contact.*,
        {{ business_month('orders_summed_per_contact.first_paid_at') }} as first_purchase_month,
        contacts.acquisition_channel,
        case
            when contacts.acquisition_channel is null then 'UNKNOWN'
            else coalesce(channel_map.channel, 'UNMAPPED')
        end as channel

    from orders_summed_per_contact
    inner join contacts
        on orders_summed_per_contact.golden_contact_id = contacts.golden_contact_id
    left join channel_map
        on contacts.acquisition_channel = channel_map.acquisition_channel

)

select * from channels_mapped
