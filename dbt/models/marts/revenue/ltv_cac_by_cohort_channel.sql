{#- LTV:CAC per cohort (first-purchase month) and channel, plus an `ALL` row per cohort with
    the blended CAC. {{ doc('ltv_cac_rules') }} -#}
{%- set windows = [30, 90, 180, 365] %}
{%- set seconds_per_payback_month = 30 * 86400 %}
with

customers as (

    select * from {{ ref('customer_ltv') }}
    where first_purchase_month is not null

),

revenue_orders as (

    select golden_contact_id, paid_at, net_brl from {{ ref('fct_orders') }}
    where counts_as_revenue and paid_at is not null

),

cac as (

    select month, channel, cac_brl from {{ ref('cac_by_month_channel') }}

),

-- Every customer counts in its channel's cohort and in the cohort's ALL row.
customer_cohorts as (

    select golden_contact_id, first_purchase_month, channel, first_paid_at, net_ltv_brl
    from customers
    union all
    select golden_contact_id, first_purchase_month, 'ALL', first_paid_at, net_ltv_brl
    from customers

),

orders_after_first_purchase as (

    select
        customer_cohorts.first_purchase_month,
        customer_cohorts.channel,
        customer_cohorts.golden_contact_id,
        revenue_orders.net_brl,
        {%- for days in windows %}
        revenue_orders.paid_at <= customer_cohorts.first_paid_at + interval '{{ days }} days'
            as is_within_{{ days }}d,
        {%- endfor %}
        -- The 30-day month after the first purchase the order falls in (the first is month 1).
        greatest(
            1,
            ceil(
                {{ dbt.datediff('customer_cohorts.first_paid_at', 'revenue_orders.paid_at', 'second') }}
                / {{ seconds_per_payback_month }}.0
            )
        )::integer as payback_month

    from customer_cohorts
    inner join revenue_orders
        on customer_cohorts.golden_contact_id = revenue_orders.golden_contact_id

),

cohorts_summed as (

    select
        first_purchase_month,
        channel,
        count(*) as customers,
        sum(net_ltv_brl)::decimal(18, 2) as net_ltv_brl

    from customer_cohorts
    group by first_purchase_month, channel

),

windows_summed as (

    select
        first_purchase_month,
        channel,
        {%- for days in windows %}
        coalesce(sum(net_brl) filter (where is_within_{{ days }}d), 0)::decimal(18, 2)
            as net_{{ days }}d_brl,
        {%- endfor %}

    from orders_after_first_purchase
    group by first_purchase_month, channel

),

net_by_payback_month as (

    select
        first_purchase_month,
        channel,
        payback_month,
        sum(sum(net_brl)) over (
            partition by first_purchase_month, channel
            order by payback_month
            rows between unbounded preceding and current row
        ) as cumulative_net_brl

    from orders_after_first_purchase
    group by first_purchase_month, channel, payback_month

),

cohorts_with_cac as (

    select
        cohorts_summed.first_purchase_month,
        cohorts_summed.channel,
        cohorts_summed.customers,
        cohorts_summed.net_ltv_brl,
        {%- for days in windows %}
        coalesce(windows_summed.net_{{ days }}d_brl, 0) as net_{{ days }}d_brl,
        -- Shown only once every customer of the cohort has had the whole window.
        cast(
            cohorts_summed.first_purchase_month + interval '1 month' + interval '{{ days }} days'
            as date
        ) <= {{ run_date() }} as is_{{ days }}d_window_complete,
        {%- endfor %}
        cac.cac_brl

    from cohorts_summed
    left join windows_summed
        on cohorts_summed.first_purchase_month = windows_summed.first_purchase_month
        and cohorts_summed.channel = windows_summed.channel
    left join cac
        on cohorts_summed.first_purchase_month = cac.month
        and cohorts_summed.channel = cac.channel

),

paybacks as (

    select
        cohorts_with_cac.first_purchase_month,
        cohorts_with_cac.channel,
        min(net_by_payback_month.payback_month) as cac_payback_months

    from cohorts_with_cac
    inner join net_by_payback_month
        on cohorts_with_cac.first_purchase_month = net_by_payback_month.first_purchase_month
        and cohorts_with_cac.channel = net_by_payback_month.channel
    where cohorts_with_cac.cac_brl > 0
        and net_by_payback_month.cumulative_net_brl
        >= cohorts_with_cac.cac_brl * cohorts_with_cac.customers
    group by cohorts_with_cac.first_purchase_month, cohorts_with_cac.channel

),

final as (

    select
        cohorts_with_cac.first_purchase_month as cohort_month,
        cohorts_with_cac.channel,
        cohorts_with_cac.customers,
        round(cohorts_with_cac.net_ltv_brl / cohorts_with_cac.customers, 2)::decimal(18, 2)
            as avg_net_ltv_brl,
        {%- for days in windows %}
        case
            when cohorts_with_cac.is_{{ days }}d_window_complete
                then round(cohorts_with_cac.net_{{ days }}d_brl / cohorts_with_cac.customers, 2)
        end::decimal(18, 2) as avg_net_ltv_{{ days }}d_brl,
        {%- endfor %}
        cohorts_with_cac.cac_brl,
        case
            when cohorts_with_cac.cac_brl > 0
                then round(cohorts_with_cac.net_ltv_brl / cohorts_with_cac.customers / cohorts_with_cac.cac_brl, 2)
        end::decimal(18, 2) as ltv_cac_ratio,
        {%- for days in windows %}
        case
            when cohorts_with_cac.cac_brl > 0 and cohorts_with_cac.is_{{ days }}d_window_complete
                then round(cohorts_with_cac.net_{{ days }}d_brl / cohorts_with_cac.customers / cohorts_with_cac.cac_brl, 2)
        end::decimal(18, 2) as ltv_cac_{{ days }}d_ratio,
        {%- endfor %}
        case when cohorts_with_cac.cac_brl = 0 then 0 else paybacks.cac_payback_months end
            as cac_payback_months,
        case
            when cohorts_with_cac.cac_brl is null then 'no_cac'
            when cohorts_with_cac.cac_brl = 0 then 'organic'
            when paybacks.cac_payback_months is null then 'not_paid_back'
            else 'paid_back'
        end as payback_status,
        {{ run_date() }} as run_date

    from cohorts_with_cac
    left join paybacks
        on cohorts_with_cac.first_purchase_month = paybacks.first_purchase_month
        and cohorts_with_cac.channel = paybacks.channel

)

select * from final
