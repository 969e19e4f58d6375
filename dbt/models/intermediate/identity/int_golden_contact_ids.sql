{#- Each identity's current golden contact id (see the golden_ids_by_cluster macro). -#}

with

clusters as (

    select * from {{ ref('int_identity_clusters') }}

),

identities as (

    select identity_id, first_seen_at from {{ ref('int_identities') }}

),

registry as (

    select * from {{ ref('golden_contact_registry') }}

),

{{ golden_ids_by_cluster('clusters', 'identities', 'registry') }},

final as (

    select
        clusters.identity_id,
        clusters.cluster_id,
        clusters.cluster_size,
        golden_ids_by_cluster.golden_contact_id

    from clusters
    inner join golden_ids_by_cluster
        on clusters.cluster_id = golden_ids_by_cluster.cluster_id

)

select * from final
