{#- For staging models that unnest a record into several rows (a sale's users, a pipeline's
    stages): every row of a record's current version is flagged current, and no row of any
    other version is. Fails with the record keys that break it. -#}
{% test current_version_is_whole(model, column_name, version_column) %}
with versions as (

    select
        {{ column_name }} as record_key,
        {{ version_column }} as version_key,
        bool_or(is_current_version) as has_current_rows,
        bool_and(is_current_version) as has_only_current_rows

    from {{ model }}
    group by 1, 2

)

select record_key

from versions
group by record_key
having
    count(*) filter (where has_current_rows) > 1
    or bool_or(has_current_rows and not has_only_current_rows)
{% endtest %}
