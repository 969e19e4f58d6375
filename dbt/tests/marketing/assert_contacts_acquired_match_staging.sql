-- Every live contact is counted exactly once in the monthly mart (no fan-out, no loss).
with

live_contacts as (

    select count(*) as contacts
    from {{ ref('stg_hubspot__contacts') }}
    where is_current_version and not is_archived

),

counted as (

    select coalesce(sum(contacts_acquired), 0) as contacts
    from {{ ref('fct_contacts_acquired_by_month') }}

)

select live_contacts.contacts as live, counted.contacts as counted
from live_contacts
cross join counted
where live_contacts.contacts != counted.contacts
