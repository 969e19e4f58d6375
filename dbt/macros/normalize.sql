{#- The columns staging exposes from the normalization functions (crm_elt.normalize, registered
    by crm_elt.dbt_plugin). Models that call them are materialized as tables: a view would
    call Python at every read, and fail in a DuckDB session without the plugin. -#}

{% macro email_columns(raw, prefix='') -%}
    normalize_email({{ raw }}).email as {{ prefix }}email,
    normalize_email({{ raw }}).match_key as {{ prefix }}email_match_key,
    normalize_email({{ raw }}).repaired_domain as {{ prefix }}email_repaired_domain,
    coalesce(normalize_email({{ raw }}).is_role_address, false) as {{ prefix }}is_role_email,
    normalize_email({{ raw }}).problem as {{ prefix }}email_problem
{%- endmacro %}

{% macro phone_columns(raw, state, prefix) -%}
    normalize_phone({{ raw }}, {{ state }}).e164 as {{ prefix }}_e164,
    normalize_phone({{ raw }}, {{ state }}).line_type as {{ prefix }}_line_type,
    coalesce(normalize_phone({{ raw }}, {{ state }}).added_ninth_digit, false)
        as {{ prefix }}_added_ninth_digit,
    coalesce(normalize_phone({{ raw }}, {{ state }}).completed_area_code, false)
        as {{ prefix }}_completed_area_code,
    normalize_phone({{ raw }}, {{ state }}).problem as {{ prefix }}_problem,
    normalize_phone({{ raw }}, {{ state }}).local_number as {{ prefix }}_local_number
{%- endmacro %}
