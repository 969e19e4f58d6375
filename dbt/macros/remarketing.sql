{#- As-of filtering for the audiences and the remarketing batch: an event counts once its
    business date (America/Sao_Paulo) is on or before the run date, so a run for a past date
    sees the world as it was then (macros/business_time.sql: run_date, to_business_time). -#}

{#- The business date of a UTC timestamp. -#}
{% macro business_date(utc_timestamp) -%}
    cast({{ to_business_time(utc_timestamp) }} as date)
{%- endmacro %}

{#- The remarketing window in days (var remarketing_window_days, 30) and the batch's cap
    (var remarketing_batch_size, 50). -#}
{% macro remarketing_window_days() -%}
    {{ return(var('remarketing_window_days', 30) | int) }}
{%- endmacro %}

{% macro remarketing_batch_size() -%}
    {{ return(var('remarketing_batch_size', 50) | int) }}
{%- endmacro %}

{#- Whether a UTC timestamp's business date has come by the run date. -#}
{% macro has_happened_by_run_date(utc_timestamp) -%}
    ({{ business_date(utc_timestamp) }} <= {{ run_date() }})
{%- endmacro %}

{#- Whether a date is within the window of the run date, before or after it (a backfilled run
    date respects the batches sent after it). -#}
{% macro is_within_window_of_run_date(date_column) -%}
    {%- set reach = remarketing_window_days() - 1 -%}
    ({{ date_column }} between {{ run_date() }} - {{ reach }} and {{ run_date() }} + {{ reach }})
{%- endmacro %}

{#- Whether a UTC timestamp's business date is in the `days` days ending on the run date
    (the run date and the days - 1 before it). -#}
{% macro is_within_days_before_run_date(utc_timestamp, days) -%}
    ({{ business_date(utc_timestamp) }} between {{ run_date() }} - {{ days - 1 }} and {{ run_date() }})
{%- endmacro %}

{#- The net LTV, audiences and reachability of the golden contacts in one audience. -#}
{% macro audience(product_line) %}
with

members as (

    select * from {{ ref('int_audience_members') }}
    where product_line = '{{ product_line }}'

)

select
    golden_contact_id,
    full_name,
    email,
    whatsapp_phone,
    has_whatsapp_consent,
    has_email_consent,
    is_reachable_by_whatsapp,
    is_reachable_by_email,
    signals,
    has_purchase_signal,
    has_manychat_tag_signal,
    has_hubspot_property_signal,
    net_ltv_brl,
    net_ltv_line_brl,
    last_purchase_at,
    last_line_purchase_at

from members
{% endmacro %}
