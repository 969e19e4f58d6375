{#- DuckDB-only constructs, behind one macro each so another adapter can get its own. -#}

{#- Whether a list (array) column holds a value. -#}
{% macro list_has(list_column, value) -%}
    {{ return(adapter.dispatch('list_has')(list_column, value)) }}
{%- endmacro %}

{% macro default__list_has(list_column, value) -%}
    {{ value }} = any({{ list_column }})
{%- endmacro %}

{% macro duckdb__list_has(list_column, value) -%}
    list_contains({{ list_column }}, {{ value }})
{%- endmacro %}

{#- A delimited string as a list (array). -#}
{% macro split_string(text, delimiter) -%}
    {{ return(adapter.dispatch('split_string')(text, delimiter)) }}
{%- endmacro %}

{% macro default__split_string(text, delimiter) -%}
    string_to_array({{ text }}, {{ delimiter }})
{%- endmacro %}

{% macro duckdb__split_string(text, delimiter) -%}
    string_split({{ text }}, {{ delimiter }})
{%- endmacro %}
