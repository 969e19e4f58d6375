{#- Schemas are named by layer (staging, intermediate, marts), not prefixed by the target:
    each environment already has its own warehouse file. -#}
{% macro generate_schema_name(custom_schema_name, node) -%}
    {{ (custom_schema_name or target.schema) | trim }}
{%- endmacro %}
