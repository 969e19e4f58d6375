{#- Each identity's current golden contact id (see the golden_ids_by_cluster macro), decided
    from the registry as the last run left it; golden_contact_registry then records the ids of
    identities new in this run. Reading the registry after its update would give the same ids
    (an identity registered in this run claims the id it was just given, later than every
    older claim), at the price of deciding every cluster's id twice. -#}

with

clusters as (

    select * from {{ ref('int_identity_clusters') }}

),

identities as (

    select identity_id, first_seen_at from {{ ref('int_identities') }}

),

registry as (

    {{ registry_before_this_run() }}

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
