{#- Emails and phones as staging normalized them (crm_elt.normalize, through
    dbt/macros/normalize.sql): one row per check, source, field and detail. Current versions
    only; a Hotmart buyer counts once per sale, as each sale carries its own copy. -#}
with

hubspot_contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}
    where is_current_version

),

hotmart_buyers as (

    select * from {{ ref('stg_hotmart__sales_users') }}
    where is_current_version and user_role = 'BUYER'

),

manychat_subscribers as (

    select * from {{ ref('stg_manychat__subscribers') }}
    where is_current_version

),

email_values as (

    select 'hubspot' as source, 'email' as field, email_repaired_domain, is_role_email, email_problem
    from hubspot_contacts
    union all
    select 'hotmart', 'email', email_repaired_domain, is_role_email, email_problem
    from hotmart_buyers
    union all
    select 'manychat', 'email', email_repaired_domain, is_role_email, email_problem
    from manychat_subscribers

),

phone_values as (

    select
        'hubspot' as source,
        'mobilephone' as field,
        mobile_phone_e164 as e164,
        mobile_phone_added_ninth_digit as added_ninth_digit,
        mobile_phone_completed_area_code as completed_area_code,
        mobile_phone_problem as problem
    from hubspot_contacts
    union all
    select
        'hubspot', 'phone', phone_e164, phone_added_ninth_digit, phone_completed_area_code,
        phone_problem
    from hubspot_contacts
    union all
    select
        'hotmart', 'cellphone', cellphone_e164, cellphone_added_ninth_digit,
        cellphone_completed_area_code, cellphone_problem
    from hotmart_buyers
    union all
    select
        'hotmart', 'phone', phone_e164, phone_added_ninth_digit, phone_completed_area_code,
        phone_problem
    from hotmart_buyers
    union all
    select
        'manychat', 'phone', phone_e164, phone_added_ninth_digit, phone_completed_area_code,
        phone_problem
    from manychat_subscribers
    union all
    select
        'manychat', 'whatsapp_phone', whatsapp_phone_e164, whatsapp_phone_added_ninth_digit,
        whatsapp_phone_completed_area_code, whatsapp_phone_problem
    from manychat_subscribers

),

-- A blank value has no problem and no e164: it is neither found wrong nor normalized.
email_checks as (

    select
        case
            when email_problem is not null then 'emails_invalid'
            when email_repaired_domain is not null then 'emails_domain_repaired'
        end as check_name,
        source,
        field,
        case when email_problem is null then email_repaired_domain end as detail
    from email_values
    union all
    select 'emails_role_address', source, field, null
    from email_values
    where is_role_email

),

phone_checks as (

    select
        case
            when problem is not null then 'phones_unnormalized'
            when e164 is not null then 'phones_normalized'
        end as check_name,
        source,
        field,
        problem as detail
    from phone_values
    union all
    select 'phones_ninth_digit_added', source, field, null
    from phone_values
    where added_ninth_digit
    union all
    select 'phones_area_code_completed', source, field, null
    from phone_values
    where completed_area_code

),

counted as (

    select check_name, source, field, detail, count(*) as item_count
    from (
        select * from email_checks
        union all
        select * from phone_checks
    ) as checks
    where check_name is not null
    group by check_name, source, field, detail

)

{{ select_quality_checks('counted') }}
