{#- One row per source identity: a HubSpot contact, a Hotmart buyer (all its purchases), a
    ManyChat subscriber; with the evidence identity resolution compares. -#}

with

hubspot_contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}
    where is_current_version

),

hotmart_buyers as (

    select * from {{ ref('stg_hotmart__sales_users') }}
    where is_current_version and user_role = 'BUYER' and user_ucode is not null

),

hotmart_sales as (

    select transaction_id, ordered_at, tracking_source_sck from {{ ref('stg_hotmart__sales') }}
    where is_current_version

),

manychat_subscribers as (

    select * from {{ ref('stg_manychat__subscribers') }}
    where is_current_version

),

profiles as (

    select subscriber_id, has_whatsapp_optin, has_email_optin
    from {{ ref('stg_manychat__subscriber_profiles') }}

),

hubspot_identities as (

    select
        'hubspot' as source,
        contact_id as source_record_id,
        name_key,
        first_name,
        last_name,
        email,
        coalesce(mobile_phone_e164, phone_e164) as phone,
        null::varchar as whatsapp_phone,
        city,
        state,
        acquisition_channel,
        has_whatsapp_consent,
        null::boolean as has_email_consent,
        list_filter([email_match_key], lambda key: key is not null and not is_role_email)
            as email_keys,
        list_filter([email_match_key], lambda key: key is not null and is_role_email)
            as role_email_keys,
        list_distinct(
            list_filter([mobile_phone_e164, phone_e164], lambda phone: phone is not null)
        ) as phones,
        []::varchar[] as whatsapp_phones,
        list_filter(
            [mobile_phone_local_number, phone_local_number], lambda phone: phone is not null
        ) as local_phones,
        []::varchar[] as documents,
        list_filter(
            string_split(coalesce(merged_contact_ids, ''), ';'), lambda id: id != ''
        ) as merged_record_ids,
        created_at as first_seen_at,
        modified_at as last_seen_at,
        is_archived

    from hubspot_contacts

),

hotmart_buyers_dated as (

    select
        hotmart_buyers.*,
        hotmart_sales.ordered_at,
        hotmart_sales.tracking_source_sck

    from hotmart_buyers
    left join hotmart_sales
        on hotmart_buyers.transaction_id = hotmart_sales.transaction_id

),

hotmart_identities as (

    select
        'hotmart' as source,
        user_ucode as source_record_id,
        arg_max(name_key, ordered_at) as name_key,
        arg_max(first_name, ordered_at) as first_name,
        arg_max(last_name, ordered_at) as last_name,
        arg_max(email, ordered_at) filter (where email is not null) as email,
        arg_max(coalesce(cellphone_e164, phone_e164), ordered_at)
            filter (where coalesce(cellphone_e164, phone_e164) is not null) as phone,
        null::varchar as whatsapp_phone,
        arg_max(city, ordered_at) as city,
        arg_max(state, ordered_at) as state,
        arg_min(tracking_source_sck, ordered_at) as acquisition_channel,
        null::boolean as has_whatsapp_consent,
        null::boolean as has_email_consent,
        list_distinct(
            coalesce(
                list(email_match_key) filter (where email_match_key is not null and not is_role_email), []
            )
        ) as email_keys,
        list_distinct(
            coalesce(
                list(email_match_key) filter (where email_match_key is not null and is_role_email), []
            )
        ) as role_email_keys,
        list_distinct(
            coalesce(list(cellphone_e164) filter (where cellphone_e164 is not null), [])
            || coalesce(list(phone_e164) filter (where phone_e164 is not null), [])
        ) as phones,
        []::varchar[] as whatsapp_phones,
        list_distinct(
            coalesce(
                list(cellphone_local_number) filter (where cellphone_local_number is not null), []
            )
            || coalesce(list(phone_local_number) filter (where phone_local_number is not null), [])
        ) as local_phones,
        list_distinct(
            coalesce(list(document_number) filter (where document_number is not null), [])
        ) as documents,
        []::varchar[] as merged_record_ids,
        min(ordered_at) as first_seen_at,
        max(ordered_at) as last_seen_at,
        false as is_archived

    from hotmart_buyers_dated
    group by user_ucode

),

manychat_identities as (

    select
        'manychat' as source,
        manychat_subscribers.subscriber_id as source_record_id,
        name_key,
        coalesce(manychat_subscribers.first_name, split_part(full_name, ' ', 1)) as first_name,
        manychat_subscribers.last_name,
        manychat_subscribers.email,
        phone_e164 as phone,
        whatsapp_phone_e164 as whatsapp_phone,
        null::varchar as city,
        null::varchar as state,
        'manychat' as acquisition_channel,
        profiles.has_whatsapp_optin as has_whatsapp_consent,
        profiles.has_email_optin as has_email_consent,
        list_filter([email_match_key], lambda key: key is not null and not is_role_email)
            as email_keys,
        list_filter([email_match_key], lambda key: key is not null and is_role_email)
            as role_email_keys,
        list_filter([phone_e164], lambda phone: phone is not null) as phones,
        list_filter([whatsapp_phone_e164], lambda phone: phone is not null) as whatsapp_phones,
        list_filter(
            [phone_local_number, whatsapp_phone_local_number], lambda phone: phone is not null
        ) as local_phones,
        []::varchar[] as documents,
        []::varchar[] as merged_record_ids,
        manychat_subscribers.subscribed_at as first_seen_at,
        coalesce(manychat_subscribers.last_interaction_at, manychat_subscribers.subscribed_at)
            as last_seen_at,
        false as is_archived

    from manychat_subscribers
    left join profiles
        on manychat_subscribers.subscriber_id = profiles.subscriber_id

),

unioned as (

    select * from hubspot_identities
    union all
    select * from hotmart_identities
    union all
    select * from manychat_identities

),

final as (

    select
        source || ':' || source_record_id as identity_id,
        *

    from unioned

)

select * from final
