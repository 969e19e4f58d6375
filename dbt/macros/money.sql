{#- An amount as Brazilians write it, for text a person reads: R$ 3.849,20. -#}
{% macro brl_text(amount) -%}
    'R$ ' || translate(format('{:,.2f}', {{ amount }}), ',.', '.,')
{%- endmacro %}
