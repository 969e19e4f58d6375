{#- Two different CPFs (or CNPJs) are two people: no golden contact may hold both. -#}
select
    golden.golden_contact_id,
    count(distinct evidence.evidence_value) as documents

from {{ ref('int_golden_contact_ids') }} as golden
inner join {{ ref('int_identity_evidence') }} as evidence
    on golden.identity_id = evidence.identity_id
where evidence.evidence_kind = 'document'
group by golden.golden_contact_id
having count(distinct evidence.evidence_value) > 1
