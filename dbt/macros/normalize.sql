{#- The columns staging exposes from the normalization functions (crm_elt.normalize, registered
    by crm_elt.dbt_plugin). Models that call them are materialized as tables: a view would
    call Python at every read, and fail in a DuckDB session without the plugin. -#}

{% macro email_columns(raw, prefix='') -%}
    {{ email_fields('normalize_email(' ~ raw ~ ')', prefix) }}
{%- endmacro %}

{#- The same columns from an already normalized email (a normalize_email struct), for a model
    that normalizes only some rows. -#}
{% macro email_fields(normalized, prefix='') -%}
    {{ normalized }}.email as {{ prefix }}email,
    {{ normalized }}.match_key as {{ prefix }}email_match_key,
    {{ normalized }}.repaired_domain as {{ prefix }}email_repaired_domain,
    coalesce({{ normalized }}.is_role_address, false) as {{ prefix }}is_role_email,
    {{ normalized }}.problem as {{ prefix }}email_problem
{%- endmacro %}

{% macro phone_columns(raw, state, prefix, city='null') -%}
    {{ phone_fields('normalize_phone(' ~ raw ~ ', ' ~ state ~ ', ' ~ city ~ ')', prefix) }}
{%- endmacro %}

{% macro phone_fields(normalized, prefix) -%}
    {{ normalized }}.e164 as {{ prefix }}_e164,
    {{ normalized }}.line_type as {{ prefix }}_line_type,
    coalesce({{ normalized }}.added_ninth_digit, false) as {{ prefix }}_added_ninth_digit,
    coalesce({{ normalized }}.completed_area_code, false) as {{ prefix }}_completed_area_code,
    {{ normalized }}.problem as {{ prefix }}_problem,
    {{ normalized }}.local_number as {{ prefix }}_local_number
{%- endmacro %}
