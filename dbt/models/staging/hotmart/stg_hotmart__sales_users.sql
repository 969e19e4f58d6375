{{ changed_records_config('transaction_id') }}

with

source as (

    select
        *,
        {{ version_id() }} as sale_version_id,
        -- Flagged before the unnest: every user of the current version is current.
        {{ is_current_version() }} as is_current_version,
        {{ parse_record({'users': [{
            'role': 'VARCHAR',
            'user': {
                'ucode': 'VARCHAR',
                'name': 'VARCHAR',
                'email': 'VARCHAR',
                'cellphone': 'VARCHAR',
                'phone': 'VARCHAR',
                'documents': [{'type': 'VARCHAR', 'value': 'VARCHAR'}],
                'locale': 'VARCHAR',
                'address': {'city': 'VARCHAR', 'state': 'VARCHAR', 'country': 'VARCHAR'}
            }
        }]}) }} as fields

    from {{ source('hotmart', 'sales_users') }}
    {{ changed_records_only(source('hotmart', 'sales_users')) }}

),

users_unnested as (

    select
        source.*,
        unnest(coalesce(fields.users, [])) as sale_user

    from source

),

-- Only buyers are people to resolve: the producer (the business itself, on every sale) and
-- affiliates keep their contact data as recorded, unnormalized. Each CASE is computed once
-- here, so the normalizers (Python, holding the GIL) see buyers only: half the rows.
users_normalized as (

    select
        *,
        upper(sale_user.role) = 'BUYER' as is_buyer,
        case when is_buyer then name_key(sale_user."user".name) end as normalized_name_key,
        case when is_buyer then split_full_name(sale_user."user".name) end as normalized_name_parts,
        case when is_buyer then normalize_email(sale_user."user".email) end as normalized_email,
        case when is_buyer then normalize_phone(
            sale_user."user".cellphone,
            sale_user."user".address.state,
            sale_user."user".address.city
        ) end as normalized_cellphone,
        case when is_buyer then normalize_phone(
            sale_user."user".phone,
            sale_user."user".address.state,
            sale_user."user".address.city
        ) end as normalized_phone

    from users_unnested

),

renamed as (

    select
        sale_version_id || ':' || coalesce(sale_user.role, '') as sale_user_version_id,
        sale_version_id,
        record_key as transaction_id,
        upper(sale_user.role) as user_role,
        sale_user."user".ucode as user_ucode,
        sale_user."user".name as user_name,
        normalized_name_key as name_key,
        normalized_name_parts.first_name as first_name,
        normalized_name_parts.last_name as last_name,
        sale_user."user".email as email_raw,
        {{ email_fields('normalized_email') }},
        sale_user."user".cellphone as cellphone_raw,
        {{ phone_fields('normalized_cellphone', 'cellphone') }},
        sale_user."user".phone as phone_raw,
        {{ phone_fields('normalized_phone', 'phone') }},
        -- The first document a user has is the one Hotmart collected at checkout (CPF or CNPJ).
        upper(sale_user."user".documents[1].type) as document_type,
        nullif(
            regexp_replace(sale_user."user".documents[1].value, '\D', '', 'g'), ''
        ) as document_number,
        sale_user."user".locale as locale,
        sale_user."user".address.city as city,
        sale_user."user".address.state as state,
        sale_user."user".address.country as country,
        is_current_version,
        _extracted_at as extracted_at,
        _load_id as load_id

    from users_normalized

)

select * from renamed
