{#- The golden contact id of every cluster, given the registry of ids assigned so far
    (`registry`: identity_id, golden_contact_id, assigned_at; possibly empty).

    A cluster keeps the id assigned earliest among its members, ties going to the member
    seen first (so an id survives every re-run, and a record joining a cluster takes its id;
    when clusters merge, the older id wins). Two clusters claiming one id (a cluster split) leave it to the one holding the
    earliest-seen member; a cluster without an id gets one from its earliest-seen identity.
    Used by int_golden_contact_ids, over registry_before_this_run(). -#}
{% macro golden_ids_by_cluster(clusters, identities, registry) %}
    claims as (

        select
            clusters.cluster_id,
            -- The oldest id: assigned first, then (assigned in one run) its person seen first.
            first(
                registry.golden_contact_id
                order by
                    registry.assigned_at,
                    identities.first_seen_at nulls last,
                    registry.golden_contact_id
            ) as claimed_id

        from {{ clusters }} as clusters
        inner join {{ registry }} as registry
            on clusters.identity_id = registry.identity_id
        inner join {{ identities }} as identities
            on clusters.identity_id = identities.identity_id
        group by clusters.cluster_id

    ),

    anchors as (

        select
            clusters.cluster_id,
            first(clusters.identity_id order by identities.first_seen_at nulls last, clusters.identity_id)
                as anchor_identity_id,
            min(identities.first_seen_at) as first_seen_at

        from {{ clusters }} as clusters
        inner join {{ identities }} as identities
            on clusters.identity_id = identities.identity_id
        group by clusters.cluster_id

    ),

    claims_ranked as (

        select
            claims.cluster_id,
            claims.claimed_id,
            row_number() over (
                partition by claims.claimed_id
                order by anchors.first_seen_at nulls last, claims.cluster_id
            ) as claim_rank

        from claims
        inner join anchors
            on claims.cluster_id = anchors.cluster_id

    ),

    golden_ids_by_cluster as (

        select
            anchors.cluster_id,
            coalesce(
                case when claims_ranked.claim_rank = 1 then claims_ranked.claimed_id end,
                'gc_' || left(md5(anchors.anchor_identity_id), 16)
            ) as golden_contact_id

        from anchors
        left join claims_ranked
            on anchors.cluster_id = claims_ranked.cluster_id

    )
{% endmacro %}

{#- The golden_contact_registry table as the last run left it (empty on a first build), for
    int_golden_contact_ids, which the registry itself reads: a ref would be a cycle. -#}
{% macro registry_before_this_run() %}
    {%- set registry = none -%}
    {%- if execute -%}
        {%- set node = graph.nodes.values()
            | selectattr('name', 'equalto', 'golden_contact_registry') | first -%}
        {%- set registry = adapter.get_relation(node.database, node.schema, node.alias) -%}
    {%- endif -%}
    {%- if registry is not none %}
        select identity_id, golden_contact_id, assigned_at from {{ registry }}
    {%- else %}
        select
            null::varchar as identity_id,
            null::varchar as golden_contact_id,
            null::timestamp as assigned_at
        where false
    {%- endif %}
{% endmacro %}
