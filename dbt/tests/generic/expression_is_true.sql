{#- Rows for which an expression that must hold for every row is false (or null). -#}
{% test expression_is_true(model, expression) %}

select * from {{ model }}
where not coalesce({{ expression }}, false)

{% endtest %}
