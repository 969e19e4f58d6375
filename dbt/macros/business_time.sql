{#- The business's calendar: months, cohorts and the run date are in its time zone
    (var `business_timezone`, default America/Sao_Paulo), while every `_at` column is UTC. -#}

{#- A UTC timestamp as the business's local wall-clock time. -#}
{% macro to_business_time(utc_timestamp) -%}
    (({{ utc_timestamp }} at time zone 'UTC') at time zone '{{ var("business_timezone", "America/Sao_Paulo") }}')
{%- endmacro %}

{#- The first day of the business month a UTC timestamp falls in. -#}
{% macro business_month(utc_timestamp) -%}
    cast(date_trunc('month', {{ to_business_time(utc_timestamp) }}) as date)
{%- endmacro %}

{#- The run date (var `run_date`, 'YYYY-MM-DD'), shared by every model that asks "as of when":
    default today in the business's time zone. -#}
{% macro run_date() -%}
    {%- if var("run_date", none) -%}
        cast('{{ var("run_date") }}' as date)
    {%- else -%}
        cast(current_timestamp at time zone '{{ var("business_timezone", "America/Sao_Paulo") }}' as date)
    {%- endif -%}
{%- endmacro %}
