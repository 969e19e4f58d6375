{#- Every candidate link between two identities: accepted links made the clusters; the others
    say why not (names clearly different, an identifier shared by many, or two documents). -#}

with

links as (

    select * from {{ ref('int_identity_links') }}

),

-- Each identity's cluster and golden id, in one table: two joins a link end, not four.
golden_ids as (

    select identity_id, cluster_id, golden_contact_id from {{ ref('int_golden_contact_ids') }}

),

judged as (

    select
        links.identity_a,
        links.identity_b,
        links.rule,
        links.evidence,
        -- An accepted link whose ends are in different clusters was refused by the
        -- clustering: it would have joined two different documents.
        links.is_accepted and golden_a.cluster_id = golden_b.cluster_id as is_accepted,
        case
            when links.is_accepted and golden_a.cluster_id != golden_b.cluster_id
                then 'conflicting_documents'
            else links.reason
        end as rejection_reason,
        golden_a.golden_contact_id as golden_contact_id_a,
        golden_b.golden_contact_id as golden_contact_id_b

    from links
    inner join golden_ids as golden_a on links.identity_a = golden_a.identity_id
    inner join golden_ids as golden_b on links.identity_b = golden_b.identity_id

)

select
    identity_a || '|' || identity_b || '|' || rule as link_id,
    *
from judged
