{#- Every golden contact id ever assigned, to the identity it was first assigned with. Never
    rebuilt (full_refresh: false): it is what keeps ids stable across runs. -#}
{{ config(materialized='incremental', unique_key='identity_id', full_refresh=false) }}

with

clusters as (

    select * from {{ ref('int_identity_clusters') }}

),

identities as (

    select identity_id, first_seen_at from {{ ref('int_identities') }}

),

registry as (

    {% if is_incremental() %}
        select identity_id, golden_contact_id, assigned_at from {{ this }}
    {% else %}
        select
            null::varchar as identity_id,
            null::varchar as golden_contact_id,
            null::timestamp as assigned_at
        where false
    {% endif %}

),

{{ golden_ids_by_cluster('clusters', 'identities', 'registry') }},

new_identities as (

    select
        clusters.identity_id,
        golden_ids_by_cluster.golden_contact_id,
        now()::timestamp as assigned_at

    from clusters
    inner join golden_ids_by_cluster
        on clusters.cluster_id = golden_ids_by_cluster.cluster_id
    where clusters.identity_id not in (select identity_id from registry)

)

select * from new_identities
