{#- Customer acquisition cost per month and channel, plus a blended `ALL` row per month.
    {{ doc('cac_rules') }} -#}
with

customers as (

    select * from {{ ref('customer_ltv') }}
    where first_purchase_month is not null

),

spend as (

    select * from {{ ref('stg_marketing__spend') }}
    where is_current_version

),

new_customers_counted as (

    select
        first_purchase_month as month,
        channel,
        count(*) as new_customers

    from customers
    group by first_purchase_month, channel

),

spend_summed as (

    select
        spend_month as month,
        channel,
        coalesce(sum(amount) filter (where currency_code = 'BRL'), 0)::decimal(18, 2)
            as spend_brl,
        count(*) filter (where currency_code is distinct from 'BRL') as non_brl_spend_rows,
        -- Kept as found so the data-quality report can show what was left out, never converted.
        string_agg(
            distinct coalesce(currency_code, '(none)'), ', ' order by coalesce(currency_code, '(none)')
        ) filter (where currency_code is distinct from 'BRL') as non_brl_currencies

    from spend
    group by spend_month, channel

),

mapped_channels as (

    select distinct channel from {{ ref('acquisition_channels') }}

),

month_channels as (

    select
        coalesce(spend_summed.month, new_customers_counted.month) as month,
        coalesce(spend_summed.channel, new_customers_counted.channel) as channel,
        coalesce(spend_summed.spend_brl, 0)::decimal(18, 2) as spend_brl,
        coalesce(new_customers_counted.new_customers, 0) as new_customers,
        coalesce(spend_summed.non_brl_spend_rows, 0) as non_brl_spend_rows,
        spend_summed.non_brl_currencies

    from spend_summed
    full outer join new_customers_counted
        on spend_summed.month = new_customers_counted.month
        and spend_summed.channel = new_customers_counted.channel

),

blended as (

    select
        month,
        'ALL' as channel,
        sum(spend_brl)::decimal(18, 2) as spend_brl,
        sum(new_customers)::bigint as new_customers,
        sum(non_brl_spend_rows)::bigint as non_brl_spend_rows,
        string_agg(distinct non_brl_currencies, ', ' order by non_brl_currencies) as non_brl_currencies

    from month_channels
    group by month

),

rows_with_blended as (

    select * from month_channels
    union all
    select * from blended

),

final as (

    select
        rows_with_blended.month,
        rows_with_blended.channel,
        rows_with_blended.spend_brl,
        rows_with_blended.new_customers,
        case
            when rows_with_blended.new_customers > 0
                then round(rows_with_blended.spend_brl / rows_with_blended.new_customers, 2)
        end::decimal(18, 2) as cac_brl,
        case
            when rows_with_blended.new_customers = 0 then 'spend_without_customers'
            when rows_with_blended.spend_brl = 0 then 'organic'
            else 'paid'
        end as cac_status,
        rows_with_blended.channel = 'ALL' as is_blended,
        rows_with_blended.channel = 'ALL' or mapped_channels.channel is not null
            as is_known_channel,
        rows_with_blended.non_brl_spend_rows,
        rows_with_blended.non_brl_currencies

    from rows_with_blended
    left join mapped_channels
        on rows_with_blended.channel = mapped_channels.channel

)

select * from final
