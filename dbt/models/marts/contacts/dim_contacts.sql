{#- One row per real person (golden contact), with each attribute taken by survivorship:
    source priority Hotmart > HubSpot > ManyChat, then the most recently seen identity; the
    identity each attribute came from is kept. Opt-outs win over opt-ins from any source. -#}

with

identities as (

    select * from {{ ref('int_identities') }}

),

golden_ids as (

    select * from {{ ref('int_golden_contact_ids') }}

),

clustered as (

    select
        golden_ids.golden_contact_id,
        golden_ids.cluster_size,
        identities.*,
        case identities.source when 'hotmart' then 1 when 'hubspot' then 2 else 3 end
            as source_priority

    from identities
    inner join golden_ids
        on identities.identity_id = golden_ids.identity_id

),

-- Each identity's place in its golden contact's two orders, numbered once: an ordered
-- aggregate per attribute would sort the rows again for each (and spill, under a memory cap).
ranked as (

    select
        *,
        row_number() over (
            partition by golden_contact_id
            order by source_priority, last_seen_at desc nulls last, identity_id
        ) as survivor_rank,
        -- Acquisition: the marketing channel (HubSpot's original source, Hotmart's sck) of
        -- the identity seen first that has one; ManyChat's own channel only for a person no
        -- other source gives a channel (a bot conversation does not say which campaign
        -- brought them).
        row_number() over (
            partition by golden_contact_id
            order by source = 'manychat', first_seen_at nulls last, identity_id
        ) as acquisition_rank

    from clustered
    where cluster_size > 1

),

{%- set attributes = ['first_name', 'last_name', 'email', 'phone', 'whatsapp_phone', 'city', 'state'] %}

survived as (

    select
        golden_contact_id,
        {%- for attribute in attributes %}
        arg_min({{ attribute }}, survivor_rank) filter (where {{ attribute }} is not null)
            as {{ attribute }},
        arg_min(identity_id, survivor_rank) filter (where {{ attribute }} is not null)
            as {{ attribute }}_from,
        {%- endfor %}
        -- Consent: any explicit opt-out wins; otherwise any opt-in; unknown stays null.
        case
            when bool_or(not has_whatsapp_consent) then false
            when bool_or(has_whatsapp_consent) then true
        end as has_whatsapp_consent,
        case
            when bool_or(not has_email_consent) then false
            when bool_or(has_email_consent) then true
        end as has_email_consent,
        min(first_seen_at) as first_seen_at,
        arg_min(acquisition_channel, acquisition_rank)
            filter (where acquisition_channel is not null) as acquisition_channel,
        arg_min(source, acquisition_rank)
            filter (where acquisition_channel is not null) as acquisition_source,
        list_sort(list_distinct(list(source))) as sources,
        count(*) filter (where source = 'hubspot') as hubspot_records,
        count(*) filter (where source = 'hotmart') as hotmart_records,
        count(*) filter (where source = 'manychat') as manychat_records,
        count(*) as identities

    from ranked
    group by golden_contact_id

),

-- A person of one identity (most of them) is that identity: what survivorship would give,
-- without sorting and grouping them (a third of the model's time at 1M).
single_identity as (

    select
        golden_contact_id,
        {%- for attribute in attributes %}
        {{ attribute }},
        case when {{ attribute }} is not null then identity_id end as {{ attribute }}_from,
        {%- endfor %}
        has_whatsapp_consent,
        has_email_consent,
        first_seen_at,
        acquisition_channel,
        case when acquisition_channel is not null then source end as acquisition_source,
        [source] as sources,
        (source = 'hubspot')::bigint as hubspot_records,
        (source = 'hotmart')::bigint as hotmart_records,
        (source = 'manychat')::bigint as manychat_records,
        1::bigint as identities

    from clustered
    where cluster_size = 1

),

final as (

    select
        golden_contact_id,
        nullif(trim(concat_ws(' ', first_name, last_name)), '') as full_name,
        * exclude (golden_contact_id)

    from (
        select * from survived
        union all by name
        select * from single_identity
    )

)

select * from final
