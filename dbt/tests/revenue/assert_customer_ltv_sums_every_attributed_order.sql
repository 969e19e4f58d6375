-- customer_ltv holds every golden contact with revenue in fct_orders, once, and its totals
-- are theirs to the cent (no fan-out, no loss).
with

attributed_orders as (

    select
        count(distinct golden_contact_id) as customers,
        sum(gross_brl) as gross_brl,
        sum(refunded_brl) as refunded_brl,
        sum(net_brl) as net_brl

    from {{ ref('fct_orders') }}
    where counts_as_revenue and golden_contact_id is not null

),

customers as (

    select
        count(*) as customers,
        sum(gross_brl) as gross_brl,
        sum(refunded_brl) as refunded_brl,
        sum(net_ltv_brl) as net_brl

    from {{ ref('customer_ltv') }}

)

select *
from attributed_orders
cross join customers
where attributed_orders.customers != customers.customers
    or attributed_orders.gross_brl is distinct from customers.gross_brl
    or attributed_orders.refunded_brl is distinct from customers.refunded_brl
    or attributed_orders.net_brl is distinct from customers.net_brl
