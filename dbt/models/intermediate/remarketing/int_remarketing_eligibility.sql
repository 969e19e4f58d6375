{#- One row per golden contact: each remarketing rule for the run date (var run_date) and
    whether the contact passes them all. The ledger rule (not contacted by us in 30 days) is
    applied by remarketing_ledger, which holds that history. Events count as of the run date
    (macros/remarketing.sql): a purchase or interaction dated later has not happened yet. -#}

with

contacts as (

    select * from {{ ref('int_contacts_reachable') }}

),

audience_members as (

    select golden_contact_id, product_line from {{ ref('int_audience_members') }}

),

orders as (

    select * from {{ ref('fct_orders') }}
    where golden_contact_id is not null

),

-- Net LTV as of the run date (the priority of a past day's batch is what was known then):
-- customer_ltv's sum over the orders paid by then; an order with no date counts always.
lifetime_values as (

    select golden_contact_id, sum(net_brl) as net_ltv_brl
    from orders
    where counts_as_revenue and coalesce({{ has_happened_by_run_date('paid_at') }}, true)
    group by golden_contact_id

),

paid_orders as (

    select golden_contact_id, paid_at from orders
    where status_class = 'paid' and paid_at is not null
        and {{ has_happened_by_run_date('paid_at') }}

),

lineage as (

    select source_record_id as subscriber_id, golden_contact_id from {{ ref('contact_lineage') }}
    where source = 'manychat'

),

manychat_interactions as (

    select subscriber_id, last_interaction_at from {{ ref('stg_manychat__subscribers') }}
    where is_current_version and last_interaction_at is not null
    union all
    select subscriber_id, last_interaction_at from {{ ref('stg_manychat__subscriber_profiles') }}
    where last_interaction_at is not null

),

last_paid_per_contact as (

    select golden_contact_id, max(paid_at) as last_paid_at
    from paid_orders
    group by golden_contact_id

),

last_interaction_per_contact as (

    select lineage.golden_contact_id, max(manychat_interactions.last_interaction_at) as last_interaction_at
    from manychat_interactions
    inner join lineage
        on manychat_interactions.subscriber_id = lineage.subscriber_id
    where {{ has_happened_by_run_date('manychat_interactions.last_interaction_at') }}
    group by lineage.golden_contact_id

),

audiences_per_contact as (

    select golden_contact_id, string_agg(product_line, ', ' order by product_line) as audiences
    from audience_members
    group by golden_contact_id

),

rules_applied as (

    select
        {{ run_date() }} as run_date,
        contacts.golden_contact_id,
        contacts.full_name,
        contacts.email,
        contacts.whatsapp_phone,
        contacts.manychat_subscriber_id,
        contacts.is_reachable_by_whatsapp,
        contacts.is_reachable_by_email,
        audiences_per_contact.audiences,
        coalesce(lifetime_values.net_ltv_brl, 0)::decimal(18, 2) as net_ltv_brl,
        last_paid_per_contact.last_paid_at,
        last_interaction_per_contact.last_interaction_at,
        contacts.is_reachable_by_whatsapp or contacts.is_reachable_by_email as is_reachable,
        coalesce(
            {{ is_within_days_before_run_date('last_paid_per_contact.last_paid_at', remarketing_window_days()) }},
            false
        ) as has_paid_within_window,
        coalesce(
            {{ is_within_days_before_run_date('last_interaction_per_contact.last_interaction_at', remarketing_window_days()) }},
            false
        ) as has_interacted_within_window

    from contacts
    left join audiences_per_contact
        on contacts.golden_contact_id = audiences_per_contact.golden_contact_id
    left join lifetime_values
        on contacts.golden_contact_id = lifetime_values.golden_contact_id
    left join last_paid_per_contact
        on contacts.golden_contact_id = last_paid_per_contact.golden_contact_id
    left join last_interaction_per_contact
        on contacts.golden_contact_id = last_interaction_per_contact.golden_contact_id

),

final as (

    select
        *,
        is_reachable and not has_paid_within_window and not has_interacted_within_window
            as is_eligible

    from rules_applied

)

select * from final
