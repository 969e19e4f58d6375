{#- Every exact identifier an identity carries, one row each: what links are drawn from. -#}

with

identities as (

    select * from {{ ref('int_identities') }}

),

evidence as (

    select identity_id, 'email' as evidence_kind, unnest(email_keys) as evidence_value
    from identities
    union all
    select identity_id, 'role_email', unnest(role_email_keys) from identities
    -- A WhatsApp number is a phone: ManyChat's WhatsApp is HubSpot's mobile.
    union all
    select identity_id, 'phone', unnest(list_distinct(list_concat(phones, whatsapp_phones)))
    from identities
    union all
    select identity_id, 'document', unnest(documents) from identities
    -- HubSpot's merges: the survivor lists the ids it absorbed, and an absorbed contact that
    -- an earlier extraction kept (HubSpot no longer returns it) holds its own id.
    union all
    select identity_id, 'hubspot_merge', unnest(merged_record_ids) from identities
    union all
    select identity_id, 'hubspot_merge', source_record_id
    from identities
    where source = 'hubspot'
        and source_record_id in (select unnest(merged_record_ids) from identities)

),

final as (

    select distinct identity_id, evidence_kind, evidence_value
    from evidence
    where evidence_value is not null and evidence_value != ''

)

select * from final
