{#- {{ doc('data_quality_report') }} -#}
{{ config(materialized='incremental', full_refresh=false, on_schema_change='append_new_columns') }}

with

checks as (

    select * from {{ ref('data_quality_checks') }}

),

counts as (

    select * from {{ ref('int_quality_checks_identity') }}
    union all
    select * from {{ ref('int_quality_checks_contact_points') }}
    union all
    select * from {{ ref('int_quality_checks_crm') }}
    union all
    select * from {{ ref('int_quality_checks_revenue') }}
    union all
    select * from {{ ref('int_quality_checks_files') }}

),

latest_load as (

    select max(load_id) as latest_load_id from {{ ref('stg_elt__load_log') }}
    where outcome = 'success'

),

-- A check that found nothing in this run still has its row, with a count of zero, so every
-- run's history holds every check.
counts_of_every_check as (

    select
        checks.area,
        checks.check_name,
        counts.source,
        counts.field,
        counts.detail,
        coalesce(counts.item_count, 0)::bigint as item_count,
        checks.unit

    from checks
    left join counts
        on checks.check_name = counts.check_name

),

final as (

    select
        '{{ invocation_id }}' as run_id,
        '{{ run_started_at.strftime("%Y-%m-%d %H:%M:%S.%f") }}'::timestamp as run_started_at,
        latest_load.latest_load_id,
        concat_ws(
            '|',
            '{{ invocation_id }}',
            counts_of_every_check.check_name,
            coalesce(counts_of_every_check.source, ''),
            coalesce(counts_of_every_check.field, ''),
            coalesce(counts_of_every_check.detail, '')
        ) as report_row_id,
        counts_of_every_check.*

    from counts_of_every_check
    cross join latest_load

)

select * from final
{% if is_incremental() %}
    -- History is never rewritten: a run appends its own rows only.
    where run_id not in (select run_id from {{ this }})
{% endif %}
