{#- One row per golden contact, product line and signal that puts the contact in that line's
    audience: a purchase of the line (fct_orders, paid at some point by the run date), a
    ManyChat tag, or the HubSpot product-line property (both mapped by the seed
    audience_signal_values). -#}

with

orders as (

    select golden_contact_id, product_line, paid_at from {{ ref('fct_orders') }}
    where golden_contact_id is not null and paid_at is not null

),

signal_values as (

    select signal_source, lower(signal_value) as signal_value, product_line
    from {{ ref('audience_signal_values') }}

),

lineage as (

    select source, source_record_id, golden_contact_id from {{ ref('contact_lineage') }}

),

csv_tags as (

    select subscriber_id, unnest(tags) as tag from {{ ref('stg_manychat__subscribers') }}
    where is_current_version

),

api_tags as (

    select subscriber_id, unnest(tags) as tag from {{ ref('stg_manychat__subscriber_profiles') }}

),

hubspot_interests as (

    select contact_id, product_line_interest from {{ ref('stg_hubspot__contacts') }}
    where is_current_version and product_line_interest is not null

),

purchase_signals as (

    select distinct golden_contact_id, product_line, 'purchase' as signal
    from orders
    where {{ has_happened_by_run_date('paid_at') }}

),

manychat_tags as (

    select subscriber_id, lower(trim(tag)) as tag from csv_tags
    union
    select subscriber_id, lower(trim(tag)) as tag from api_tags

),

manychat_tag_signals as (

    select distinct
        lineage.golden_contact_id,
        signal_values.product_line,
        'manychat_tag:' || manychat_tags.tag as signal

    from manychat_tags
    inner join signal_values
        on signal_values.signal_source = 'manychat_tag'
        and manychat_tags.tag = signal_values.signal_value
    inner join lineage
        on lineage.source = 'manychat' and manychat_tags.subscriber_id = lineage.source_record_id

),

hubspot_property_signals as (

    select distinct
        lineage.golden_contact_id,
        signal_values.product_line,
        'hubspot_property:' || signal_values.signal_value as signal

    from hubspot_interests
    inner join signal_values
        on signal_values.signal_source = 'hubspot_property'
        and lower(trim(hubspot_interests.product_line_interest)) = signal_values.signal_value
    inner join lineage
        on lineage.source = 'hubspot' and hubspot_interests.contact_id = lineage.source_record_id

),

signals as (

    select * from purchase_signals
    union all
    select * from manychat_tag_signals
    union all
    select * from hubspot_property_signals

)

select * from signals
where product_line in ('ilpi', 'estetica')
