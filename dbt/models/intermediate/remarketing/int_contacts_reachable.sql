{#- Per golden contact, the channels we may use: WhatsApp when it has a WhatsApp number and
    has not opted out, email when it has a valid email and has not opted out (dim_contacts'
    consent, where any source's opt-out wins; unknown consent is not an opt-out). Also its
    ManyChat subscriber, for the push. -#}

with

contacts as (

    select * from {{ ref('dim_contacts') }}

),

manychat_identities as (

    select golden_contact_id, identity_id, source_record_id as subscriber_id
    from {{ ref('contact_lineage') }}
    where source = 'manychat'

),

subscriber_per_contact as (

    -- The subscriber whose WhatsApp number survived, else the lowest subscriber id.
    select
        contacts.golden_contact_id,
        coalesce(
            min(manychat_identities.subscriber_id)
                filter (where manychat_identities.identity_id = contacts.whatsapp_phone_from),
            min(manychat_identities.subscriber_id)
        ) as manychat_subscriber_id

    from contacts
    inner join manychat_identities
        on contacts.golden_contact_id = manychat_identities.golden_contact_id
    group by contacts.golden_contact_id

),

final as (

    select
        contacts.golden_contact_id,
        contacts.full_name,
        contacts.email,
        contacts.whatsapp_phone,
        contacts.has_whatsapp_consent,
        contacts.has_email_consent,
        coalesce(contacts.whatsapp_phone is not null and contacts.has_whatsapp_consent is distinct from false, false)
            as is_reachable_by_whatsapp,
        -- dim_contacts keeps only emails that passed validation (staging nulls the others).
        coalesce(contacts.email is not null and contacts.has_email_consent is distinct from false, false)
            as is_reachable_by_email,
        subscriber_per_contact.manychat_subscriber_id

    from contacts
    left join subscriber_per_contact
        on contacts.golden_contact_id = subscriber_per_contact.golden_contact_id

)

select * from final
