{#- One row: the figures a run's story tells (make run's closing lines, the dashboard's
    front page). Each is read from the mart that defines it; nothing is recomputed here. -#}
with

identities as (

    select
        count(*) filter (where source = 'hubspot') as hubspot_records,
        count(*) filter (where source = 'hotmart') as hotmart_records,
        count(*) filter (where source = 'manychat') as manychat_records,
        count(*) as source_records

    from {{ ref('contact_lineage') }}

),

accepted_links as (

    select
        list({'rule': rule, 'links': links} order by links desc, rule) as accepted_links_by_rule

    from (
        select rule, count(*) as links
        from {{ ref('contact_links') }}
        where rejection_reason is null
        group by rule
    ) as by_rule

),

golden_contacts as (

    select
        count(*) as golden_contacts,
        count(*) filter (where len(sources) >= 2) as golden_contacts_in_several_sources

    from {{ ref('dim_contacts') }}

),

orders as (

    select
        coalesce(sum(gross_brl), 0)::decimal(18, 2) as gross_revenue_brl,
        coalesce(sum(refunded_brl), 0)::decimal(18, 2) as refunded_brl,
        coalesce(sum(net_brl), 0)::decimal(18, 2) as net_revenue_brl

    from {{ ref('fct_orders') }}

),

customers as (

    select
        count(*) as customers,
        coalesce(sum(net_ltv_brl), 0)::decimal(18, 2) as customers_net_ltv_brl

    from {{ ref('customer_ltv') }}

),

spend as (

    select coalesce(sum(spend_brl), 0)::decimal(18, 2) as spend_brl
    from {{ ref('cac_by_month_channel') }}
    where is_blended

),

audiences as (

    select
        (select count(*) from {{ ref('audience_ilpi') }}) as audience_ilpi_contacts,
        (select count(*) from {{ ref('audience_estetica') }}) as audience_estetica_contacts

),

batch as (

    select count(*) as remarketing_batch_contacts
    from {{ ref('remarketing_batch') }}

)

select
    {{ run_date() }} as run_date,
    identities.*,
    golden_contacts.*,
    accepted_links.accepted_links_by_rule,
    orders.*,
    customers.*,
    spend.spend_brl,
    -- Blended over all time: every customer's net LTV against all spend, i.e. the average
    -- net LTV of a customer divided by the blended CAC.
    case
        when spend.spend_brl > 0 then round(customers.customers_net_ltv_brl / spend.spend_brl, 2)
    end as blended_ltv_cac_ratio,
    audiences.*,
    batch.*

from identities, golden_contacts, accepted_links, orders, customers, spend, audiences, batch
