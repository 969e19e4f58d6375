{#- Every golden contact id ever assigned, to the identity it was first assigned with. Never
    rebuilt (full_refresh: false): it is what keeps ids stable across runs. -#}
{{ config(materialized='incremental', unique_key='identity_id', full_refresh=false) }}

with

current_ids as (

    select identity_id, golden_contact_id from {{ ref('int_golden_contact_ids') }}

),

new_identities as (

    select
        identity_id,
        golden_contact_id,
        now()::timestamp as assigned_at

    from current_ids
    {% if is_incremental() %}
        where identity_id not in (select identity_id from {{ this }})
    {% endif %}

)

select * from new_identities
