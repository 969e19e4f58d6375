"""`python -m crm_elt evaluate`: identity resolution scored against the generator's truth.

Scored over source identities (HubSpot contact, Hotmart buyer, ManyChat subscriber) as
`marts.contact_lineage` lists them, each mapped to its true person: a contact by its id, a
buyer by the person of most of its purchases, a subscriber by the person of most of its
export rows. Pairwise: a predicted pair is two identities in one golden contact, a true pair
two identities of one person.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path

import duckdb
import numpy as np


@dataclass(frozen=True)
class PairwiseScore:
    identities: int
    predicted_pairs: int
    true_pairs: int
    true_positive_pairs: int
    persons_split: int  # persons whose identities are in two or more golden contacts
    clusters_over_merged: int  # golden contacts holding two or more persons
    unmatched_identities: int = 0  # identities the truth knows no person for (not scored)
    missed_by_defect: dict[str, int] = field(default_factory=dict)
    false_by_defect: dict[str, int] = field(default_factory=dict)
    # Per rule: (accepted links, of them between two identities of one person).
    links_by_rule: dict[str, tuple[int, int]] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        return self.true_positive_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive_pairs / self.true_pairs if self.true_pairs else 1.0

    @property
    def f1(self) -> float:
        total = self.precision + self.recall
        return 2 * self.precision * self.recall / total if total else 0.0


def pairwise_score(cluster: np.ndarray, person: np.ndarray) -> PairwiseScore:
    """Pairwise counts from cluster, person and (cluster, person) cell sizes: no pair lists."""
    cluster_codes = np.unique(cluster, return_inverse=True)[1]
    person_codes = np.unique(person, return_inverse=True)[1]
    cells = cluster_codes.astype(np.int64) * (person_codes.max(initial=0) + 1) + person_codes
    _, cell_of, cell_sizes = np.unique(cells, return_inverse=True, return_counts=True)
    cell_cluster = np.zeros(len(cell_sizes), dtype=np.int64)
    cell_person = np.zeros(len(cell_sizes), dtype=np.int64)
    cell_cluster[cell_of], cell_person[cell_of] = cluster_codes, person_codes
    return PairwiseScore(
        identities=len(cluster),
        predicted_pairs=_pairs(np.bincount(cluster_codes)),
        true_pairs=_pairs(np.bincount(person_codes)),
        true_positive_pairs=_pairs(cell_sizes),
        persons_split=int((np.bincount(cell_person) > 1).sum()),
        clusters_over_merged=int((np.bincount(cell_cluster) > 1).sum()),
    )


def _pairs(sizes: np.ndarray) -> int:
    sizes = sizes.astype(np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def evaluate_warehouse(warehouse: Path, truth_dir: Path) -> PairwiseScore:
    """Score the golden contacts of a warehouse built from a generated world."""
    records = truth_dir / "records.parquet"
    if not records.is_file():
        raise FileNotFoundError(f"{records}: no ground truth (evaluate needs a generated world)")
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute(f"create temp table identity_persons as {_IDENTITY_PERSONS}", [str(records)])
        rows = con.execute("select * from identity_persons order by identity_id").fetchall()
        links = con.execute(_LINKS_BY_RULE).fetchall()
    scored = [row for row in rows if row[2] is not None]
    cluster = np.array([row[1] for row in scored], dtype=object)
    person = np.array([row[2] for row in scored], dtype=np.int64)
    score = pairwise_score(cluster, person)
    defects = [set(filter(None, (row[3] or "").split(";"))) for row in scored]
    missed, false = _errors_by_defect(cluster, person, defects)
    return PairwiseScore(
        **{
            **score.__dict__,
            "unmatched_identities": len(rows) - len(scored),
            "missed_by_defect": missed,
            "false_by_defect": false,
            "links_by_rule": {rule: (accepted, true) for rule, accepted, true in links},
        }
    )


def _errors_by_defect(cluster, person, defects) -> tuple[dict[str, int], dict[str, int]]:
    """Missed and false pairs counted under every defect either identity carries."""
    missed, false = Counter(), Counter()
    cluster = np.unique(cluster, return_inverse=True)[1]
    for group_key, other_key, counter in ((person, cluster, missed), (cluster, person, false)):
        order = np.argsort(group_key, kind="stable")
        boundaries = np.flatnonzero(np.diff(group_key[order])) + 1
        for members in np.split(order, boundaries):
            if len(members) < 2 or len(set(other_key[members])) == 1:
                continue
            for x, y in combinations(members.tolist(), 2):
                if other_key[x] != other_key[y]:
                    counter.update(defects[x] | defects[y] or {"(none)"})
    return dict(missed.most_common()), dict(false.most_common())


# Accepted links scored one by one: a rule's precision, whatever the clusters made of it.
_LINKS_BY_RULE = """
select
    links.rule,
    count(*) as accepted,
    count(*) filter (where person_a.person_id = person_b.person_id) as true_links
from marts.contact_links as links
inner join identity_persons as person_a on links.identity_a = person_a.identity_id
inner join identity_persons as person_b on links.identity_b = person_b.identity_id
where links.is_accepted and person_a.person_id is not null and person_b.person_id is not null
group by links.rule
order by links.rule
"""

_IDENTITY_PERSONS = """
with
truth as (
    select source, entity, record_id, person_id, defects
    from read_parquet(?)
    where person_id is not null
),
hubspot as (
    select lineage.identity_id, truth.person_id, truth.defects
    from marts.contact_lineage as lineage
    left join truth
        on truth.source = 'hubspot' and truth.entity = 'contacts'
        and truth.record_id = lineage.source_record_id
    where lineage.source = 'hubspot'
),
hotmart as (
    select
        'hotmart:' || users.user_ucode as identity_id,
        mode(truth.person_id) as person_id,
        string_agg(distinct nullif(truth.defects, ''), ';') as defects
    from staging.stg_hotmart__sales_users as users
    left join truth
        on truth.source = 'hotmart' and truth.entity = 'sales'
        and truth.record_id = users.transaction_id
    where users.is_current_version and users.user_role = 'BUYER'
    group by users.user_ucode
),
manychat as (
    select
        'manychat:' || subscribers.subscriber_id as identity_id,
        mode(truth.person_id) as person_id,
        string_agg(distinct nullif(truth.defects, ''), ';') as defects
    from staging.stg_manychat__subscribers as subscribers
    left join truth
        on truth.source = 'manychat' and truth.entity = 'subscribers_csv'
        and truth.record_id = subscribers.source_file || ':' || subscribers.source_line
    group by subscribers.subscriber_id
),
persons as (
    select * from hubspot union all select * from hotmart union all select * from manychat
)
select lineage.identity_id, lineage.golden_contact_id, persons.person_id, persons.defects
from marts.contact_lineage as lineage
left join persons on lineage.identity_id = persons.identity_id
order by lineage.identity_id
"""


def format_score(score: PairwiseScore, top: int = 8) -> str:
    lines = [
        f"Identity resolution over {score.identities:,} identities "
        f"({score.unmatched_identities:,} without a person in the truth, not scored)",
        f"  pairwise precision  {score.precision:.4f}  "
        f"({score.true_positive_pairs:,} of {score.predicted_pairs:,} predicted pairs)",
        f"  pairwise recall     {score.recall:.4f}  "
        f"({score.true_positive_pairs:,} of {score.true_pairs:,} true pairs)",
        f"  F1                  {score.f1:.4f}",
        f"  persons split       {score.persons_split:,}",
        f"  clusters over-merged {score.clusters_over_merged:,}",
    ]
    if score.links_by_rule:
        lines.append("  accepted links by rule (precision: links within one person):")
        lines += [
            f"    {rule:32} {true:>8,} of {accepted:>8,}  {true / accepted:.4f}"
            for rule, (accepted, true) in score.links_by_rule.items()
        ]
    for title, counts in (
        ("missed pairs by defect", score.missed_by_defect),
        ("false pairs by defect", score.false_by_defect),
    ):
        if counts:
            lines.append(f"  {title}:")
            lines += [f"    {name:32} {count:>8,}" for name, count in list(counts.items())[:top]]
    return "\n".join(lines)
