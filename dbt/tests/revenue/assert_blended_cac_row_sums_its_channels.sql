-- The ALL row of each month holds exactly the spend and new customers of its channel rows,
-- and every customer with a first purchase month is counted once.
with

channel_rows as (

    select month, sum(spend_brl) as spend_brl, sum(new_customers) as new_customers
    from {{ ref('cac_by_month_channel') }}
    where not is_blended
    group by month

),

blended_rows as (

    select month, spend_brl, new_customers
    from {{ ref('cac_by_month_channel') }}
    where is_blended

),

months_compared as (

    select
        coalesce(channel_rows.month, blended_rows.month) as month,
        channel_rows.spend_brl as channel_spend_brl,
        blended_rows.spend_brl as blended_spend_brl,
        channel_rows.new_customers as channel_new_customers,
        blended_rows.new_customers as blended_new_customers

    from channel_rows
    full outer join blended_rows
        on channel_rows.month = blended_rows.month

),

customers_with_a_month as (

    select count(*) as customers
    from {{ ref('customer_ltv') }}
    where first_purchase_month is not null

),

customers_counted as (

    select coalesce(sum(new_customers), 0) as customers
    from blended_rows

)

select month, 'month' as what
from months_compared
where channel_spend_brl is distinct from blended_spend_brl
    or channel_new_customers is distinct from blended_new_customers
union all
select null, 'customers'
from customers_with_a_month
cross join customers_counted
where customers_with_a_month.customers != customers_counted.customers
