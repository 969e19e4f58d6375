{#- The order in which a practice's HubSpot company records are told apart: the oldest
    first, then by id (numeric strings compare by length first). It picks a cluster's
    anchor, which names the golden company. -#}
{% macro oldest_company_record_first(prefix='') -%}
    {{ prefix }}created_at nulls last, length({{ prefix }}company_id), {{ prefix }}company_id
{%- endmacro %}

{#- Whether the company merge rule `name` is on; switched off with the var
    `company_merge_rules_off`, e.g. --vars '{company_merge_rules_off: [same_name_and_city]}'. -#}
{% macro company_rule_on(name) -%}
    {{ return(name not in var('company_merge_rules_off', [])) }}
{%- endmacro %}
