with

contacts as (

    select * from {{ ref('stg_hubspot__contacts') }}
    where is_current_version and not is_archived

),

counted_by_month_and_channel as (

    select
        date_trunc('month', created_at)::date as acquisition_month,
        coalesce(acquisition_channel, 'UNKNOWN') as acquisition_channel,
        count(*) as contacts_acquired

    from contacts
    group by all

)

select * from counted_by_month_and_channel
