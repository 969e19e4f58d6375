{#- Rows of dropped files (ManyChat exports, spend CSVs) refused at load, and those recovered. -#}
with

quarantine as (

    select source, entity, reason_kind from {{ ref('stg_elt__quarantined_rows') }}

),

subscribers as (

    select recovered_from_quarantine from {{ ref('stg_manychat__subscribers') }}
    where is_current_version

),

checks as (

    select 'file_rows_quarantined' as check_name, source, entity as field,
        reason_kind as detail, count(*) as item_count
    from quarantine
    group by source, entity, reason_kind
    union all
    select 'file_rows_recovered', 'manychat', 'subscribers', null, count(*)
    from subscribers
    where recovered_from_quarantine is not null
    having count(*) > 0

)

{{ select_quality_checks('checks') }}
