{#- Golden contact ids no longer current (their cluster merged into an older one, or split),
    and the id that now stands for them: anything keyed by golden id follows this. -#}

with

registry as (

    select * from {{ ref('golden_contact_registry') }}

),

current_ids as (

    select * from {{ ref('int_golden_contact_ids') }}

),

identities as (

    select identity_id, first_seen_at from {{ ref('int_identities') }}

),

retired as (

    select
        registry.golden_contact_id as retired_golden_contact_id,
        first(
            current_ids.golden_contact_id
            order by identities.first_seen_at nulls last, registry.identity_id
        ) as golden_contact_id,
        max(registry.assigned_at) as last_assigned_at

    from registry
    inner join current_ids
        on registry.identity_id = current_ids.identity_id
    inner join identities
        on registry.identity_id = identities.identity_id
    where registry.golden_contact_id not in (select golden_contact_id from current_ids)
    group by registry.golden_contact_id

)

select * from retired
