"""The realism report of a generated world: how lifelike it is, and how hard to resolve.

    python -m crm_elt.fakedata.stats DIR [--json]

DIR is a folder written by `generate_fake_data.py --out DIR` (layout in crm_elt/dataset.py).
The report is measured on identities as the pipeline sees them, mapped to persons through
DIR/truth/:
- a HubSpot contact: a record of `sandbox/hubspot_contacts.parquet`;
- a Hotmart buyer: a distinct `ucode` of the BUYER rows of `sandbox/hotmart_sales_users.parquet`
  (the emails and phones of all its sales are its evidence; its person is the one most of its
  sales' transactions belong to);
- a ManyChat subscriber: a distinct subscriber id of the CSV exports in `input/manychat/`, read
  and validated by the importer's own functions (rows it quarantines are no identity; the
  evidence of all rows of one id is the subscriber's).

Evidence is what the records carry: an email trimmed and lowercased; a phone key of DDD and
the last 8 digits, from every phone field. The simple deterministic rule joins identities into
connected components over a syntactically valid email, a phone key and the Hotmart buyer code,
and is scored pairwise against the truth. Pairs are counted from cluster and person sizes and
their contingency cells, never by joining identities with each other: only the few identities
of one person that share a key are paired, to tell which evidence a true pair shares.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
from scipy.sparse import coo_matrix
from scipy.sparse.csgraph import connected_components

from crm_elt.dataset import sandbox_path
from crm_elt.sources.csv_files import SUFFIXES as MANYCHAT_SUFFIXES
from crm_elt.sources.csv_files import parse_csv
from crm_elt.sources.manychat import HEADER_MAP, validate_subscriber
from crm_elt.warehouse import RawRecord

SOURCES = ("hubspot", "hotmart", "manychat")
EMAIL, PHONE, BUYER_CODE = range(3)  # kinds of evidence
EVIDENCE_CLASSES = ("email and phone", "phone only", "email only", "neither")
TOP_SURNAMES = 10
# Joining words of Brazilian surnames ("Maria da Silva"), never a surname on their own.
SURNAME_PARTICLES = ("da", "de", "do", "das", "dos", "e")
VALID_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
# A phone's key: its DDD (2 digits) + its last 8 digits, once a trunk 0 and the country code
# 55 are dropped; none without a DDD. Two macros, with the digits stored in a column between
# them: a macro is expanded at each mention of its argument, and the regex should run once.
PHONE_KEY_MACRO = """
create or replace macro phone_digits(raw) as
    ltrim(regexp_replace(coalesce(raw, ''), '[^0-9]', '', 'g'), '0');
create or replace macro national_phone_key(digits) as case
    when length(digits) in (12, 13) and starts_with(digits, '55') and digits[3] <> '0'
        then digits[3:4] || right(digits, 8)
    when length(digits) in (10, 11) then digits[1:2] || right(digits, 8)
end;
"""


class StatsInputError(ValueError):
    """The folder is not a generated world this report can read; the message names the file."""


@dataclass(frozen=True)
class SurnameShare:
    surname: str
    persons: int
    share: float  # of all persons


@dataclass(frozen=True)
class PurchaseStats:
    buyers: int
    purchases: int
    median: float
    p99: float
    max: int


@dataclass(frozen=True)
class RuleScore:
    """The simple deterministic rule, scored pairwise on identities."""

    clusters: int
    over_merged_clusters: int  # clusters holding identities of two or more persons
    predicted_pairs: int
    true_pairs: int
    true_positive_pairs: int
    persons_with_identities: int
    persons_resolved: int  # persons whose identities form one cluster with nobody else's
    missed_pairs: dict[str, int]  # true pairs split apart, by the evidence they share

    @property
    def precision(self) -> float:
        return self.true_positive_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.true_positive_pairs / self.true_pairs if self.true_pairs else 1.0


@dataclass(frozen=True)
class RealismReport:
    persons: int
    top_surnames: list[SurnameShare]
    persons_by_source_count: dict[int, int]  # 0..3 sources -> persons
    identities: dict[str, int]  # source -> identities
    unmatched_identities: int  # identities the truth maps to no person (left out of scores)
    manychat_rows_not_loaded: int  # export rows the importer quarantines
    true_pairs: dict[str, int]  # evidence class -> same-person identity pairs
    purchases: PurchaseStats
    rule: RuleScore
    notes: list[str] = field(default_factory=list)

    @property
    def persons_in_two_or_more_sources(self) -> int:
        return sum(count for sources, count in self.persons_by_source_count.items() if sources > 1)

    def as_dict(self) -> dict:
        figures = asdict(self)
        figures["rule"]["precision"] = self.rule.precision
        figures["rule"]["recall"] = self.rule.recall
        figures["persons_in_two_or_more_sources"] = self.persons_in_two_or_more_sources
        return figures


def realism_report(data_dir: Path) -> RealismReport:
    data_dir = Path(data_dir)
    con = duckdb.connect()
    try:
        con.execute("set preserve_insertion_order = false")
        con.execute("set enable_progress_bar = false")
        con.execute(PHONE_KEY_MACRO)
        notes = _load_world(con, data_dir)
        persons = con.execute("select count(*) from persons").fetchall()[0][0]
        identity_count = con.execute("select count(*) from identity").fetchall()[0][0]
        source_of, person_of = _identity_arrays(con, identity_count)
        cluster = _rule_clusters(con, identity_count)
        pairs = _evidence_pairs(con, identity_count)
        matched = person_of >= 0
        rule = _score(cluster[matched], person_of[matched], pairs, cluster)
        return RealismReport(
            persons=persons,
            top_surnames=_top_surnames(con, persons),
            persons_by_source_count=_persons_by_source_count(con, persons),
            identities={
                source: int((source_of == index).sum()) for index, source in enumerate(SOURCES)
            },
            unmatched_identities=int((~matched).sum()),
            manychat_rows_not_loaded=con.execute(
                "select count(*) from manychat_rejected"
            ).fetchall()[0][0],
            true_pairs=_pairs_by_class(pairs, _same_person_pairs(person_of[matched])),
            purchases=_purchases(con),
            rule=rule,
            notes=notes,
        )
    finally:
        con.close()


# --- reading the world ------------------------------------------------------------------------


def _required_file(path: Path) -> Path:
    if not path.is_file():
        raise StatsInputError(
            f"{path}: missing (expected a folder written by generate_fake_data.py --out DIR)"
        )
    return path


def _parquet(con, name: str, path: Path, required: Sequence[str], optional: Sequence[str]):
    """A view `name` of the file's columns, a missing optional column as null."""
    _required_file(path)
    try:
        present = set(pq.read_schema(path).names)
    except (OSError, pa.ArrowInvalid) as exc:
        raise StatsInputError(f"{path}: not a readable Parquet file ({exc})") from None
    missing = [column for column in required if column not in present]
    if missing:
        raise StatsInputError(f"{path}: missing column(s) {', '.join(missing)}")
    columns = [
        f'"{column}"' if column in present else f'null::varchar as "{column}"'
        for column in (*required, *optional)
    ]
    quoted = str(path).replace("'", "''")  # a view cannot take a prepared parameter
    con.execute(f"create view {name} as select {', '.join(columns)} from read_parquet('{quoted}')")


def _load_world(con, data_dir: Path) -> list[str]:
    truth = data_dir / "truth"
    _parquet(con, "persons", truth / "persons.parquet", ("person_id",), ("last_name",))
    _parquet(
        con,
        "truth_records",
        truth / "records.parquet",
        ("source", "entity", "record_id", "person_id"),
        ("in_source",),
    )
    _parquet(
        con,
        "contacts",
        sandbox_path(data_dir, "hubspot_contacts.parquet"),
        ("id",),
        ("email", "phone", "mobilephone"),
    )
    _parquet(
        con,
        "sales_users",
        sandbox_path(data_dir, "hotmart_sales_users.parquet"),
        ("transaction", "role", "ucode"),
        ("email", "cellphone", "phone"),
    )
    notes = _load_manychat_exports(con, data_dir / "input" / "manychat")
    hubspot, hotmart, manychat = range(len(SOURCES))
    # One person per record of the truth (the lowest, should a record be listed twice), for
    # the records identities come from.
    con.execute(
        """
        create temp table record_person as
        select source, entity, record_id, min(person_id) as person_id
        from truth_records
        where person_id is not null and (source, entity) in (
            ('hubspot', 'contacts'), ('hotmart', 'sales'),
            ('manychat', 'subscribers'), ('manychat', 'subscribers_csv')
        )
        group by all
        """
    )
    # Numbered without sorting: every figure is a count, whatever the numbering.
    con.execute(
        f"""
        create temp table identity as
        select (row_number() over () - 1)::bigint as ident, * from (
            select {hubspot} as source_index, contact.id as identity_key, truth.person_id
            from (select distinct id::varchar as id from contacts) as contact
            left join record_person as truth
                on truth.source = 'hubspot' and truth.entity = 'contacts'
                and truth.record_id = contact.id
            union all
            select {hotmart}, buyer.ucode, mode(truth.person_id)
            from sales_users as buyer
            left join record_person as truth
                on truth.source = 'hotmart' and truth.entity = 'sales'
                and truth.record_id = buyer.transaction
            where buyer.role = 'BUYER' and buyer.ucode is not null
            group by buyer.ucode
            union all
            select {manychat}, row.subscriber_id,
                mode(coalesce(by_line.person_id, by_id.person_id))
            from manychat_rows as row
            left join record_person as by_line
                on by_line.source = 'manychat' and by_line.entity = 'subscribers_csv'
                and by_line.record_id = row.file_name || ':' || row.line
            left join record_person as by_id
                on by_id.source = 'manychat' and by_id.entity = 'subscribers'
                and by_id.record_id = row.subscriber_id
            group by row.subscriber_id
        )
        """
    )
    con.execute(
        f"""
        create temp table record_evidence as
        select identity.ident, raw.email, raw.phones
        from (
            select {hubspot} as source_index, id::varchar as identity_key, email,
                [phone, mobilephone] as phones
            from contacts
            union all
            select {hotmart}, ucode, email, [cellphone, phone]
            from sales_users where role = 'BUYER' and ucode is not null
            union all
            select {manychat}, subscriber_id, email, [phone, whatsapp_phone]
            from manychat_rows
        ) as raw
        join identity using (source_index, identity_key)
        """
    )
    # The digits in a table of their own, so the phone's one regex runs once per phone.
    con.execute(
        """
        create temp table identity_phone as
        select ident, phone_digits(phone) as digits
        from (select ident, unnest(phones) as phone from record_evidence)
        where phone is not null
        """
    )
    # Materialized before it is grouped: filtering the union pushes the key expressions into
    # each branch, evaluated there again.
    con.execute(
        f"""
        create temp table evidence as
        select ident, {EMAIL} as kind, lower(trim(email)) as key from record_evidence
        union all
        select ident, {PHONE}, national_phone_key(digits) from identity_phone
        union all
        select ident, {BUYER_CODE}, identity_key from identity where source_index = {hotmart}
        """
    )
    # Each distinct key once, numbered, with the identities that carry it; the rule links
    # identities only through keys that `links`.
    con.execute(
        f"""
        create temp table evidence_key as
        select (row_number() over () - 1)::bigint as key_index, kind,
            kind <> {EMAIL} or regexp_full_match(key, '{VALID_EMAIL}') as links, idents
        from (
            select kind, key, list(distinct ident) as idents from evidence
            where key is not null and key <> ''
            group by kind, key
        )
        """
    )
    con.execute(
        """
        create temp table edge as
        select unnest(idents) as ident, kind, key_index, links from evidence_key
        """
    )
    return notes


def _load_manychat_exports(con, folder: Path) -> list[str]:
    """Every export row the importer would load (file, line, id, email, phones)."""
    columns: dict[str, list] = {
        name: []
        for name in ("file_name", "line", "subscriber_id", "email", "phone", "whatsapp_phone")
    }
    rejected: dict[str, list] = {"file_name": [], "line": [], "reason": []}
    notes = []
    files = sorted(path for path in folder.glob("*") if path.is_file()) if folder.is_dir() else []
    for path in files:
        if path.suffix.lower() not in MANYCHAT_SUFFIXES:
            loaded = ", ".join(MANYCHAT_SUFFIXES)
            notes.append(f"{path.name}: not loaded by the importer (not a {loaded} file)")
            continue
        parsed = parse_csv(path.read_bytes(), HEADER_MAP, ("subscriber_id",))
        if parsed.error:
            notes.append(f"{path.name}: not loaded by the importer ({parsed.error})")
            continue
        for line, _, reason, _ in parsed.rejected:
            rejected["file_name"].append(path.name)
            rejected["line"].append(line)
            rejected["reason"].append(reason)
        for row in parsed.rows:
            subscriber_id = row.values.get("subscriber_id", "")
            # validate_subscriber loads every all-digit id under itself; asking it only about
            # the others saves building 400k payloads at 1M contacts.
            if not subscriber_id.isdigit():
                outcome = validate_subscriber(row, path.name)
                if not isinstance(outcome, RawRecord):
                    rejected["file_name"].append(path.name)
                    rejected["line"].append(row.line)
                    rejected["reason"].append(outcome[1])
                    continue
                subscriber_id = outcome.key
            columns["file_name"].append(path.name)
            columns["line"].append(row.line)
            columns["subscriber_id"].append(subscriber_id)
            for name in ("email", "phone", "whatsapp_phone"):
                columns[name].append(row.values.get(name) or None)
    for name, values in (("manychat_rows", columns), ("manychat_rejected", rejected)):
        table = pa.table(
            {
                column: pa.array(items, type=pa.int64() if column == "line" else pa.string())
                for column, items in values.items()
            }
        )
        con.register(f"{name}_arrow", table)
        con.execute(f"create temp table {name} as select * from {name}_arrow")
        con.unregister(f"{name}_arrow")
    return notes


def _identity_arrays(con, identity_count: int) -> tuple[np.ndarray, np.ndarray]:
    """Each identity's source index and person id (-1: no person in the truth), by ident."""
    table = con.execute(
        "select source_index, coalesce(person_id, -1) as person_id from identity order by ident"
    ).fetchnumpy()
    source_of = np.asarray(table["source_index"]).astype(np.int64)
    person_of = np.asarray(table["person_id"]).astype(np.int64)
    assert len(person_of) == identity_count
    return source_of, person_of


# --- the deterministic rule and the true pairs ------------------------------------------------


def _rule_clusters(con, identity_count: int) -> np.ndarray:
    """Connected components of identities over valid email, phone key and buyer code."""
    edges = con.execute("select ident, key_index from edge where links").fetchnumpy()
    idents = np.asarray(edges["ident"])
    key_nodes = np.asarray(edges["key_index"]) + identity_count
    nodes = int(key_nodes.max()) + 1 if len(key_nodes) else identity_count
    graph = coo_matrix(
        (np.ones(len(idents), dtype=np.int8), (idents, key_nodes)), shape=(nodes, nodes)
    )
    _, labels = connected_components(graph, directed=False)
    return labels[:identity_count].astype(np.int64)


@dataclass(frozen=True)
class SharedKeyPairs:
    """Same-person identity pairs (a*N + b, a < b) that share an email / a phone key."""

    identity_count: int
    email: np.ndarray
    phone: np.ndarray

    @property
    def both(self) -> np.ndarray:
        return np.intersect1d(self.email, self.phone, assume_unique=True)


def _evidence_pairs(con, identity_count: int) -> SharedKeyPairs:
    """Pairs of one person's identities that carry the same email or phone key.

    Only identities of the same person are paired, and only on a shared key: the result is
    bounded by the true pairs, not by the identities squared.
    """
    pairs = con.execute(
        f"""
        with keyed as (
            select edge.ident, identity.person_id, edge.kind, edge.key_index
            from edge join identity using (ident)
            where edge.kind in ({EMAIL}, {PHONE}) and identity.person_id is not null
        )
        select distinct a.kind = {EMAIL} as is_email,
            a.ident * {identity_count}::bigint + b.ident as pair
        from keyed as a join keyed as b
            on a.person_id = b.person_id and a.key_index = b.key_index and a.ident < b.ident
        """
    ).fetchnumpy()
    is_email = np.asarray(pairs["is_email"])
    code = np.asarray(pairs["pair"])
    return SharedKeyPairs(identity_count, np.unique(code[is_email]), np.unique(code[~is_email]))


def _choose_two(sizes: np.ndarray) -> int:
    sizes = sizes.astype(np.int64)
    return int((sizes * (sizes - 1) // 2).sum())


def _same_person_pairs(person_of: np.ndarray) -> int:
    return _choose_two(np.unique(person_of, return_counts=True)[1])


def _pairs_by_class(pairs: SharedKeyPairs, true_pairs: int) -> dict[str, int]:
    return _by_class(len(pairs.email), len(pairs.phone), len(pairs.both), true_pairs)


def _by_class(email: int, phone: int, both: int, total: int) -> dict[str, int]:
    return dict(
        zip(
            EVIDENCE_CLASSES,
            (both, phone - both, email - both, total - email - phone + both),
            strict=True,
        )
    )


def _score(
    cluster: np.ndarray, person: np.ndarray, pairs: SharedKeyPairs, cluster_of_ident: np.ndarray
) -> RuleScore:
    """Pairwise scores of clusters against persons, from sizes and contingency cells."""
    clusters, cluster_index, cluster_sizes = np.unique(
        cluster, return_inverse=True, return_counts=True
    )
    persons, person_index, person_sizes = np.unique(person, return_inverse=True, return_counts=True)
    cells, cell_sizes = np.unique(
        cluster_index.astype(np.int64) * len(persons) + person_index, return_counts=True
    )
    cell_cluster, cell_person = np.divmod(cells, len(persons)) if len(persons) else (cells, cells)
    persons_per_cluster = np.bincount(cell_cluster, minlength=len(clusters))
    true_positive = _choose_two(cell_sizes)
    true_pairs = _choose_two(person_sizes)
    resolved = (cell_sizes == cluster_sizes[cell_cluster]) & (
        cell_sizes == person_sizes[cell_person]
    )

    def missed(codes: np.ndarray) -> int:
        first, second = np.divmod(codes, pairs.identity_count)
        return int((cluster_of_ident[first] != cluster_of_ident[second]).sum())

    missed_email, missed_phone, missed_both = (
        missed(pairs.email),
        missed(pairs.phone),
        missed(pairs.both),
    )
    return RuleScore(
        clusters=len(clusters),
        over_merged_clusters=int((persons_per_cluster > 1).sum()),
        predicted_pairs=_choose_two(cluster_sizes),
        true_pairs=true_pairs,
        true_positive_pairs=true_positive,
        persons_with_identities=len(persons),
        persons_resolved=int(resolved.sum()),
        missed_pairs=_by_class(missed_email, missed_phone, missed_both, true_pairs - true_positive),
    )


# --- the other figures ------------------------------------------------------------------------


def _top_surnames(con, persons: int) -> list[SurnameShare]:
    """Surnames by the persons whose last name holds them ("dos Santos Silva": Santos, Silva)."""
    rows = con.execute(
        f"""
        with words as (
            select distinct person_id, unnest(string_split(trim(last_name), ' ')) as surname
            from persons where last_name is not null
        )
        select surname, count(*) as persons from words
        where surname <> '' and lower(surname) not in {SURNAME_PARTICLES}
        group by surname order by persons desc, surname limit {TOP_SURNAMES}
        """
    ).fetchall()
    return [SurnameShare(name, count, count / persons if persons else 0.0) for name, count in rows]


def _persons_by_source_count(con, persons: int) -> dict[int, int]:
    source_bits = " ".join(
        f"when '{source}' then {1 << index}" for index, source in enumerate(SOURCES)
    )
    rows = dict(
        con.execute(
            f"""
            select bit_count(sources), count(*) from (
                select person_id, bit_or(case source {source_bits} else 0 end) as sources
                from truth_records
                where person_id is not null and coalesce(in_source, true)
                group by person_id
            ) where sources <> 0 group by all
            """
        ).fetchall()
    )
    in_some = sum(rows.values())
    return {0: persons - in_some, **{count: rows.get(count, 0) for count in (1, 2, 3)}}


def _purchases(con) -> PurchaseStats:
    counts = con.execute(
        """
            select count(distinct transaction) as purchases from sales_users
            where role = 'BUYER' and ucode is not null group by ucode
            """
    ).fetchnumpy()["purchases"]
    if not len(counts):
        return PurchaseStats(0, 0, 0.0, 0.0, 0)
    return PurchaseStats(
        buyers=len(counts),
        purchases=int(counts.sum()),
        median=float(np.median(counts)),
        p99=float(np.percentile(counts, 99)),
        max=int(counts.max()),
    )


# --- the report -------------------------------------------------------------------------------


def format_report(report: RealismReport) -> str:
    persons = report.persons

    def share(count: int, total: int) -> str:
        return f"{count:>10,}  {count / total:7.2%}" if total else f"{count:>10,}"

    lines = [f"Realism report: {persons:,} persons", "", "Most common surnames (share of persons)"]
    lines += [
        f"  {item.surname:<20} {item.persons:>10,}  {item.share:7.2%}"
        for item in report.top_surnames
    ]
    by_count = report.persons_by_source_count
    lines += [
        "",
        "Persons by number of sources (HubSpot, Hotmart, ManyChat)",
        f"  in none              {share(by_count[0], persons)}",
        f"  in 1                 {share(by_count[1], persons)}",
        f"  in 2+                {share(report.persons_in_two_or_more_sources, persons)}",
        f"  in all 3             {share(by_count[3], persons)}",
        "",
        "Identities: "
        + ", ".join(f"{source} {count:,}" for source, count in report.identities.items())
        + f"; without a person in the truth {report.unmatched_identities:,}; ManyChat export "
        f"rows the importer quarantines {report.manychat_rows_not_loaded:,}",
    ]
    rule = report.rule
    lines += ["", "True same-person pairs of identities, by shared evidence"]
    lines += [
        f"  {name:<20} {share(count, rule.true_pairs)}" for name, count in report.true_pairs.items()
    ]
    lines.append(f"  {'total':<20} {rule.true_pairs:>10,}")
    purchases = report.purchases
    lines += [
        "",
        f"Purchases per Hotmart buyer ({purchases.buyers:,} buyers, "
        f"{purchases.purchases:,} purchases): median {purchases.median:g}, "
        f"p99 {purchases.p99:g}, max {purchases.max:,}",
        "",
        "Deterministic rule (components over valid email, phone DDD + last 8, buyer code)",
        f"  pairwise precision   {rule.precision:.4f}  "
        f"({rule.true_positive_pairs:,} of {rule.predicted_pairs:,} predicted pairs)",
        f"  pairwise recall      {rule.recall:.4f}  "
        f"({rule.true_positive_pairs:,} of {rule.true_pairs:,} true pairs)",
        f"  clusters             {rule.clusters:>10,}  over-merged (2+ persons) "
        f"{rule.over_merged_clusters:,}",
        f"  persons resolved     {share(rule.persons_resolved, rule.persons_with_identities)}  "
        "of those with identities (theirs, and no one else's, in one cluster)",
        "  missed pairs by shared evidence",
    ]
    lines += [
        f"    {name:<18} {share(count, report.true_pairs[name])}"
        for name, count in rule.missed_pairs.items()
    ]
    if report.notes:
        lines += ["", "Notes", *(f"  {note}" for note in report.notes)]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m crm_elt.fakedata.stats",
        description="Realism report of a generated world (a folder from generate_fake_data.py).",
    )
    parser.add_argument("data_dir", type=Path, metavar="DIR")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        report = realism_report(args.data_dir)
    except StatsInputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        print(format_report(report))
        print(f"\n(measured in {time.perf_counter() - started:.1f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
