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

renamed as (

    select
        sale_version_id || ':' || coalesce(sale_user.role, '') as sale_user_version_id,
        sale_version_id,
        record_key as transaction_id,
        upper(sale_user.role) as user_role,
        sale_user."user".ucode as user_ucode,
        sale_user."user".name as user_name,
        name_key(sale_user."user".name) as name_key,
        split_full_name(sale_user."user".name).first_name as first_name,
        split_full_name(sale_user."user".name).last_name as last_name,
        sale_user."user".email as email_raw,
        {{ email_columns('sale_user."user".email') }},
        sale_user."user".cellphone as cellphone_raw,
        {{ phone_columns(
            'sale_user."user".cellphone',
            'sale_user."user".address.state',
            'cellphone'
        ) }},
        sale_user."user".phone as phone_raw,
        {{ phone_columns(
            'sale_user."user".phone',
            'sale_user."user".address.state',
            'phone'
        ) }},
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

    from users_unnested

)

select * from renamed
