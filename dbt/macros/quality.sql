{#- The columns every int_quality_checks_* model ends with, typed: a breakdown a model never
    fills would otherwise be of DuckDB's NULL type. -#}
{% macro select_quality_checks(cte) -%}
select
    cast(check_name as varchar) as check_name,
    cast(source as varchar) as source,
    cast(field as varchar) as field,
    cast(detail as varchar) as detail,
    cast(item_count as bigint) as item_count
from {{ cte }}
{%- endmacro %}
