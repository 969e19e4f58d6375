{#- One row per golden contact and product line (ilpi, estetica) it has a signal for, with its
    net LTV to date (marts.customer_ltv: 0 when absent), its last purchases by the run date
    (any line and this line, paid at some point) and its reachable channels. -#}

with

signals as (

    select * from {{ ref('int_audience_signals') }}

),

contacts as (

    select * from {{ ref('int_contacts_reachable') }}

),

lifetime_values as (

    select * from {{ ref('customer_ltv') }}

),

purchases as (

    select golden_contact_id, product_line, paid_at from {{ ref('fct_orders') }}
    where golden_contact_id is not null and paid_at is not null
        and {{ has_happened_by_run_date('paid_at') }}

),

last_purchases as (

    select golden_contact_id, max(paid_at) as last_purchase_at
    from purchases
    group by golden_contact_id

),

line_purchases as (

    select golden_contact_id, product_line, max(paid_at) as last_line_purchase_at
    from purchases
    group by golden_contact_id, product_line

),

signals_per_line as (

    select
        golden_contact_id,
        product_line,
        list_sort(list_distinct(list(signal))) as signals,
        bool_or(signal = 'purchase') as has_purchase_signal,
        bool_or(signal like 'manychat_tag:%') as has_manychat_tag_signal,
        bool_or(signal like 'hubspot_property:%') as has_hubspot_property_signal

    from signals
    group by golden_contact_id, product_line

),

final as (

    select
        signals_per_line.golden_contact_id,
        signals_per_line.product_line,
        contacts.full_name,
        contacts.email,
        contacts.whatsapp_phone,
        contacts.has_whatsapp_consent,
        contacts.has_email_consent,
        contacts.is_reachable_by_whatsapp,
        contacts.is_reachable_by_email,
        signals_per_line.signals,
        signals_per_line.has_purchase_signal,
        signals_per_line.has_manychat_tag_signal,
        signals_per_line.has_hubspot_property_signal,
        coalesce(lifetime_values.net_ltv_brl, 0)::decimal(18, 2) as net_ltv_brl,
        coalesce(
            case signals_per_line.product_line
                when 'ilpi' then lifetime_values.net_ltv_ilpi_brl
                when 'estetica' then lifetime_values.net_ltv_estetica_brl
            end,
            0
        )::decimal(18, 2) as net_ltv_line_brl,
        last_purchases.last_purchase_at,
        line_purchases.last_line_purchase_at

    from signals_per_line
    inner join contacts
        on signals_per_line.golden_contact_id = contacts.golden_contact_id
    left join lifetime_values
        on signals_per_line.golden_contact_id = lifetime_values.golden_contact_id
    left join last_purchases
        on signals_per_line.golden_contact_id = last_purchases.golden_contact_id
    left join line_purchases
        on signals_per_line.golden_contact_id = line_purchases.golden_contact_id
        and signals_per_line.product_line = line_purchases.product_line

)

select * from final
