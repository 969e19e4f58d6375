{#- Refunds, orders whose amount is not plain revenue, and spend that cannot be attributed. -#}
with

orders as (

    select source, status, status_class, revenue_issue from {{ ref('fct_orders') }}

),

spend as (

    select channel, currency_code from {{ ref('stg_marketing__spend') }}
    where is_current_version

),

acquisition_channels as (

    select distinct upper(acquisition_channel) as channel_key from {{ ref('dim_contacts') }}
    where acquisition_channel is not null

),

checks as (

    select 'hotmart_refunds' as check_name, 'hotmart' as source, null as field,
        status as detail, count(*) as item_count
    from orders
    where source = 'hotmart' and status_class = 'refunded'
    group by status
    union all
    select 'orders_with_revenue_issue', source, null, revenue_issue, count(*)
    from orders
    where revenue_issue is not null
    group by source, revenue_issue
    union all
    select 'spend_rows_other_currency', 'marketing', null,
        coalesce(currency_code, '(none)'), count(*)
    from spend
    where currency_code is distinct from 'BRL'
    group by currency_code
    union all
    select 'spend_rows_unmatched_channel', 'marketing', null, coalesce(spend.channel, '(none)'),
        count(*)
    from spend
    left join acquisition_channels
        on upper(spend.channel) = acquisition_channels.channel_key
    where acquisition_channels.channel_key is null
    group by spend.channel

)

{{ select_quality_checks('checks') }}
