{#- The model has as many rows as compare_model (filtered by compare_where): catches fan-out
    and lost rows between a model and the one it is built from. -#}
{% test row_count_matches(model, compare_model, compare_where='true') %}
with

model_rows as (

    select count(*) as row_count from {{ model }}

),

compared_rows as (

    select count(*) as row_count from {{ compare_model }}
    where {{ compare_where }}

)

select
    model_rows.row_count as model_row_count,
    compared_rows.row_count as compared_row_count

from model_rows
cross join compared_rows
where model_rows.row_count <> compared_rows.row_count
{% endtest %}
