{#- Every remarketing batch ever sent, one row per (run date, golden contact as sent). Never
    rebuilt (full_refresh: false). A run appends the batch of its run date only when the
    ledger has none for that date, so a re-run of the same day sends nothing new; entries of
    golden contacts merged since follow them to the surviving id (golden_contact_redirects).

    The batch: eligible contacts (int_remarketing_eligibility) not in the ledger within the
    window (30 days on either side of the run date, following merges), ranked by net LTV
    (highest first), then being in an audience, then the most recent paid purchase, then
    golden_contact_id (ascending, the deterministic tie-break), capped at
    var remarketing_batch_size (50). -#}
{{
    config(
        materialized='incremental',
        unique_key='ledger_entry_id',
        incremental_strategy='delete+insert',
        on_schema_change='fail',
        full_refresh=false,
    )
}}

with

eligible as (

    select * from {{ ref('int_remarketing_eligibility') }}
    where is_eligible

),

redirects as (

    select retired_golden_contact_id, golden_contact_id from {{ ref('golden_contact_redirects') }}

),

ledger as (

    {% if is_incremental() %}
        select * from {{ this }}
    {% else %}
        select
            null::varchar as ledger_entry_id,
            null::date as run_date,
            null::varchar as golden_contact_id,
            null::varchar as sent_golden_contact_id,
            null::integer as priority_rank,
            null::varchar as channels,
            null::varchar as audiences,
            null::decimal(18, 2) as net_ltv_brl,
            null::varchar as why_selected,
            null::timestamp as recorded_at
        where false
    {% endif %}

),

ledger_following_merges as (

    select
        ledger.* exclude (golden_contact_id),
        coalesce(redirects.golden_contact_id, ledger.golden_contact_id) as golden_contact_id,
        ledger.golden_contact_id as recorded_golden_contact_id

    from ledger
    left join redirects
        on ledger.golden_contact_id = redirects.retired_golden_contact_id

),

contacted_within_window as (

    select distinct golden_contact_id from ledger_following_merges
    where run_date != {{ run_date() }}
        and {{ is_within_window_of_run_date('run_date') }}

),

ranked as (

    select
        eligible.*,
        row_number() over (
            order by
                eligible.net_ltv_brl desc,
                eligible.audiences is not null desc,
                eligible.last_paid_at desc nulls last,
                eligible.golden_contact_id
        ) as priority_rank

    from eligible
    left join contacted_within_window
        on eligible.golden_contact_id = contacted_within_window.golden_contact_id
    where contacted_within_window.golden_contact_id is null
        -- A run date already in the ledger keeps the batch it sent.
        and not exists (select 1 from ledger where ledger.run_date = {{ run_date() }})

),

new_entries as (

    select
        cast({{ run_date() }} as varchar) || ':' || golden_contact_id as ledger_entry_id,
        {{ run_date() }} as run_date,
        golden_contact_id,
        golden_contact_id as sent_golden_contact_id,
        cast(priority_rank as integer) as priority_rank,
        concat_ws(
            ', ',
            case when is_reachable_by_whatsapp then 'whatsapp' end,
            case when is_reachable_by_email then 'email' end
        ) as channels,
        audiences,
        net_ltv_brl,
        concat_ws(
            '; ',
            'net LTV ' || {{ brl_text('net_ltv_brl') }},
            case when audiences is not null then 'audiences: ' || audiences end,
            case
                when last_paid_at is not null
                    then 'last paid purchase ' || cast({{ business_date('last_paid_at') }} as varchar)
                else 'no paid purchase yet'
            end,
            'reachable by ' || concat_ws(
                ' and ',
                case when is_reachable_by_whatsapp then 'WhatsApp' end,
                case when is_reachable_by_email then 'email' end
            ),
            'no paid purchase, ManyChat interaction or remarketing in the last '
                || '{{ remarketing_window_days() }} days'
        ) as why_selected,
        now()::timestamp as recorded_at

    from ranked
    where priority_rank <= {{ remarketing_batch_size() }}

),

entries_moved_by_merges as (

    select
        ledger_entry_id,
        run_date,
        golden_contact_id,
        sent_golden_contact_id,
        priority_rank,
        channels,
        audiences,
        net_ltv_brl,
        why_selected,
        recorded_at

    from ledger_following_merges
    where golden_contact_id != recorded_golden_contact_id

),

final as (

    select * from new_entries
    union all
    select * from entries_moved_by_merges

)

select * from final
