with

source as (

    select
        *,
        {{ version_id() }} as sale_version_id,
        -- Flagged before the unnest: every user of the current version is current.
        {{ is_current_version() }} as is_current_version

    from {{ source('hotmart', 'sales_users') }}

),

users_unnested as (

    select
        source.*,
        unnest(coalesce(from_json(record -> 'users', '["json"]'), [])) as sale_user

    from source

),

renamed as (

    select
        sale_version_id || ':' || coalesce(sale_user ->> 'role', '') as sale_user_version_id,
        sale_version_id,
        record_key as transaction_id,
        upper(sale_user ->> 'role') as user_role,
        sale_user -> 'user' ->> 'ucode' as user_ucode,
        sale_user -> 'user' ->> 'name' as user_name,
        sale_user -> 'user' ->> 'email' as email_raw,
        lower(trim(sale_user -> 'user' ->> 'email')) as email,
        sale_user -> 'user' ->> 'cellphone' as cellphone_raw,
        sale_user -> 'user' ->> 'phone' as phone_raw,
        sale_user -> 'user' ->> 'locale' as locale,
        sale_user -> 'user' -> 'address' ->> 'city' as city,
        sale_user -> 'user' -> 'address' ->> 'state' as state,
        sale_user -> 'user' -> 'address' ->> 'country' as country,
        is_current_version,
        _extracted_at as extracted_at,
        _load_id as load_id

    from users_unnested

)

select * from renamed
