{#- Raw tables keep every distinct version of a record (crm_elt.warehouse). Staging keeps them
    all, one row per version, and flags the current one: latest modified_at, then latest
    extraction. -#}
{% macro is_current_version() -%}
    row_number() over (
        partition by record_key
        order by modified_at desc nulls last, _extracted_at desc, record_hash
    ) = 1
{%- endmacro %}

{% macro version_id() -%}
    record_key || ':' || record_hash
{%- endmacro %}

{#- A HubSpot property as text; HubSpot sends every property value as a string or null. -#}
{% macro hs_property(name) -%}
    nullif(trim(record -> 'properties' ->> '{{ name }}'), '')
{%- endmacro %}

{#- HubSpot datetimes are ISO-8601 UTC strings; values that do not parse become null. -#}
{% macro hs_timestamp(name) -%}
    try_cast({{ hs_property(name) }} as timestamp)
{%- endmacro %}

{#- Epoch values from Hotmart: milliseconds, but some endpoints send seconds; a value below
    10^12 is taken as seconds. -#}
{% macro epoch_to_timestamp(expression) -%}
    case
        when try_cast({{ expression }} as bigint) is null then null
        when try_cast({{ expression }} as bigint) < 1000000000000
            then to_timestamp(try_cast({{ expression }} as bigint))::timestamp
        else epoch_ms(try_cast({{ expression }} as bigint))
    end
{%- endmacro %}
