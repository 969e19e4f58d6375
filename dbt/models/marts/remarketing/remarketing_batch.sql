{#- The remarketing batch of the run date (var run_date): the ledger's entries of that date,
    as the export and the ManyChat push read them. Contact details are today's, and a channel
    the contact has opted out of since is left null (a contact with none left is dropped). Two
    entries of one day whose contacts merged since become one, at the better rank. -#}

with

entries as (

    select * from {{ ref('remarketing_ledger') }}
    where run_date = {{ run_date() }}
    qualify row_number() over (partition by golden_contact_id order by priority_rank) = 1

),

contacts as (

    select * from {{ ref('int_contacts_reachable') }}

),

final as (

    select
        entries.run_date,
        entries.priority_rank,
        entries.golden_contact_id,
        contacts.full_name,
        case when contacts.is_reachable_by_whatsapp then contacts.whatsapp_phone end as whatsapp_phone,
        case when contacts.is_reachable_by_email then contacts.email end as email,
        contacts.manychat_subscriber_id,
        entries.audiences,
        entries.net_ltv_brl,
        entries.why_selected

    from entries
    inner join contacts
        on entries.golden_contact_id = contacts.golden_contact_id
    where contacts.is_reachable_by_whatsapp or contacts.is_reachable_by_email

)

select * from final
