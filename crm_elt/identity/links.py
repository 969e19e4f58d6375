"""Candidate links between identities, each accepted or rejected by a named rule.

Exact evidence (document, email key, phone) links every pair of identities that share it,
unless the identifier is shared by many (a front desk) or the pair's names are clearly
different (a mother and the daughter who registered her with her own phone). Pairs that share
no identifier can still be linked by `same_name_and_email_user`.

The pairing is DuckDB SQL (joins and windows over the identities); Python only judges the
names of the candidate pairs whose first words differ (`clearly_different_names`).
"""

from __future__ import annotations

from collections.abc import Collection

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
from rapidfuzz.distance import OSA, JaroWinkler

from crm_elt.identity.nicknames import is_nickname_of
from crm_elt.identity.rules import FREE_EMAIL_PROVIDERS, MAX_SHARED_IDENTIFIER
from crm_elt.normalize.brazil import STATE_BY_DDD

EVIDENCE_RULES = {
    "document": "same_document",
    "hubspot_merge": "hubspot_merge",
    "email": "same_email",
    "phone": "same_phone",
}
# Evidence that links whatever the names say: a person's document, and HubSpot's own merge.
_NAME_BLIND_RULES = ("same_document", "hubspot_merge")

# A word written first in this share of its names may be a given name (a second first name).
SOMETIMES_GIVEN_SHARE = 0.15
# What a candidate becomes when its names are clearly different: a shared identifier is
# reported as refused; a fuzzy rule's candidate is simply not a link.
_REJECT, _DROP, _KEEP = "reject", "drop", "keep"


def identity_links(
    identities,
    evidence,
    rules_off: Collection[str] = (),
    con: duckdb.DuckDBPyConnection | None = None,
) -> pa.Table:
    """Every candidate link (identity_a < identity_b), accepted or not: identity_a,
    identity_b, rule, evidence, is_accepted and reason.

    `identities` and `evidence` are anything DuckDB scans (Arrow tables, data frames, or
    relations of `con`, the connection the SQL runs on: dbt's own in a Python model).
    """
    con = con if con is not None else duckdb.connect()
    con.register("_link_identities_input", identities)
    con.register("_link_evidence_input", evidence)
    con.execute(_TYPED_INPUTS)
    given_names = _given_names(con, "_link_identities")
    sometimes_given = _given_names(con, "_link_identities", SOMETIMES_GIVEN_SHARE)
    formal_names = formal_given_names(con, "_link_identities")
    con.execute(
        _CANDIDATES,
        {
            "rules_off": list(rules_off),
            "max_shared": MAX_SHARED_IDENTIFIER,
            "free_providers": sorted(FREE_EMAIL_PROVIDERS),
            "ddds": list(STATE_BY_DDD),
            "states": list(STATE_BY_DDD.values()),
        },
    )
    names = con.sql(
        "select distinct name_a, name_b from _link_candidates where name_check"
    ).to_arrow_table()
    different = clearly_different_names(
        np.asarray(names.column("name_a").to_pylist(), dtype=object),
        np.asarray(names.column("name_b").to_pylist(), dtype=object),
        given_names,
        formal_names,
        sometimes_given,
    )
    verdicts = names.append_column("is_different", pa.array(different, type=pa.bool_()))
    con.register("_link_name_verdicts", verdicts)
    # Arrow, not pandas: at 1M identities a data frame costs a second each way.
    links = con.sql(_FINAL_LINKS).to_arrow_table()
    # dbt's connection lives on: leave nothing of this run on it.
    con.execute("drop table _link_candidates; drop view _link_identities; drop view _link_evidence")
    for name in ("_link_identities_input", "_link_evidence_input", "_link_name_verdicts"):
        con.unregister(name)
    return links


# Typed views over the inputs (a hand-built table may hold only nulls or empty lists).
_TYPED_INPUTS = """
create or replace temp view _link_identities as
select
    identity_id::varchar as identity_id,
    nullif(name_key::varchar, '') as name_key,
    nullif(state::varchar, '') as state,
    coalesce(email_keys::varchar[], []) as email_keys,
    coalesce(phones::varchar[], []) as phones,
    coalesce(whatsapp_phones::varchar[], []) as whatsapp_phones,
    coalesce(local_phones::varchar[], []) as local_phones,
    city::varchar as city
from _link_identities_input;

create or replace temp view _link_evidence as
select
    identity_id::varchar as identity_id,
    evidence_kind::varchar as evidence_kind,
    evidence_value::varchar as evidence_value
from _link_evidence_input;
"""

_CANDIDATES = f"""
create or replace temp table _link_candidates as
with

evidence as (

    select
        *,
        case evidence_kind
            {" ".join(f"when '{kind}' then '{rule}'" for kind, rule in EVIDENCE_RULES.items())}
        end as rule
    from _link_evidence
    where evidence_kind in ({", ".join(f"'{kind}'" for kind in EVIDENCE_RULES)})

),

evidence_in_use as (

    select * from evidence where not list_contains($rules_off::varchar[], rule)

),

shared_identifiers as (

    select evidence_kind, evidence_value, count(*) as holders, min(identity_id) as first_holder
    from evidence_in_use
    group by evidence_kind, evidence_value
    having count(*) >= 2

),

held as (

    select evidence_in_use.*, shared_identifiers.holders, shared_identifiers.first_holder
    from evidence_in_use
    inner join shared_identifiers using (evidence_kind, evidence_value)

),

few_holders as (

    select * from held where holders <= $max_shared

),

exact_pairs as (

    select
        a.identity_id as identity_a,
        b.identity_id as identity_b,
        a.rule,
        a.evidence_kind || ':' || a.evidence_value as evidence,
        true as is_accepted,
        null::varchar as reason,
        -- A document is the person's, and a merge was decided in HubSpot: they link even
        -- across name changes.
        case
            when a.rule in ({", ".join(f"'{rule}'" for rule in _NAME_BLIND_RULES)}) then '{_KEEP}'
            else '{_REJECT}'
        end as on_different
    from few_holders as a
    inner join few_holders as b
        on a.evidence_kind = b.evidence_kind
        and a.evidence_value = b.evidence_value
        and a.identity_id < b.identity_id

),

-- An identifier shared by many is reported once per holder, linked to the first holder.
crowded as (

    select
        first_holder as identity_a,
        identity_id as identity_b,
        rule,
        evidence_kind || ':' || evidence_value as evidence,
        false as is_accepted,
        'shared_identifier' as reason,
        '{_KEEP}' as on_different
    from held
    where holders > $max_shared and identity_id != first_holder

),

state_by_ddd as (

    select unnest($ddds::integer[]) as ddd, unnest($states::varchar[]) as state

),

local_numbers as (

    select identity_id, state, name_key, unnest(local_phones) as local_phone
    from _link_identities
    where not list_contains($rules_off::varchar[], 'same_local_phone')

),

full_numbers as (

    select identity_id, name_key, phone, right(phone, 9) as local_phone, state_by_ddd.state
    from (
        select identity_id, name_key, unnest(list_concat(phones, whatsapp_phones)) as phone
        from _link_identities
    )
    left join state_by_ddd
        on try_cast(substr(phone, 4, 2) as integer) = state_by_ddd.ddd

),

-- A number without area code against the full numbers ending in it, in its state; in
-- another state (a mobile kept after a move) only under the same full name...
local_candidates as (

    select
        local_numbers.identity_id as local_identity,
        full_numbers.identity_id as full_identity,
        local_numbers.local_phone,
        full_numbers.phone,
        local_numbers.state is null or upper(local_numbers.state) = full_numbers.state
            as is_in_state
    from local_numbers
    inner join full_numbers
        on local_numbers.local_phone = full_numbers.local_phone
        and local_numbers.identity_id != full_numbers.identity_id
    where local_numbers.state is null
        or upper(local_numbers.state) = full_numbers.state
        or (
            local_numbers.name_key = full_numbers.name_key
            and contains(local_numbers.name_key, ' ')
        )

),

-- ... and another state's number only when none of its own state fits.
local_matches as (

    select * exclude (is_in_state)
    from local_candidates
    qualify is_in_state or not bool_or(is_in_state) over (partition by local_identity, local_phone)

),

-- A local number that fits many full ones is a common one: it links no one.
local_fits as (

    select local_identity, local_phone
    from local_matches
    group by local_identity, local_phone
    having count(distinct full_identity) <= 2

),

local_pairs as (

    select
        least(local_identity, full_identity) as identity_a,
        greatest(local_identity, full_identity) as identity_b,
        'same_local_phone' as rule,
        'local_phone:' || phone as evidence,
        true as is_accepted,
        null::varchar as reason,
        '{_DROP}' as on_different
    from local_matches
    semi join local_fits using (local_identity, local_phone)

),

email_users as (

    select
        identity_id,
        name_key,
        -- String functions rather than regular expressions: half a second less at 1M.
        split_part(email_key, '@', -1) as email_domain,
        translate(left(email_key, length(email_key) - length(email_domain) - 1), '._', '')
            as email_user,
        list_contains($free_providers::varchar[], email_domain) as is_free
    from (
        select identity_id, name_key, unnest(email_keys) as email_key
        from _link_identities
        where contains(name_key, ' ')
            and not list_contains($rules_off::varchar[], 'same_name_and_email_user')
    )
    where email_key is not null

),

-- A name and user name that several people have (namesakes, common at Zipf-like
-- frequencies) say nothing about which of them is which: only a unique pair links, one
-- address at a free provider, the other at a private domain (personal and work addresses).
unique_email_users as (

    select name_key, email_user
    from email_users
    group by name_key, email_user
    having count(distinct identity_id) = 2 and bool_or(is_free) and bool_or(not is_free)

),

email_user_holders as (

    select
        email_users.*,
        list_concat(
            list_transform(
                list_filter(
                    list_concat(identities.phones, identities.whatsapp_phones),
                    lambda p: coalesce(p, '') != ''
                ),
                lambda p: 'ddd:' || substr(p, 4, 2)
            ),
            case when identities.state is not null then ['state:' || identities.state] else [] end
        ) as areas,
        nullif(lower(strip_accents(trim(identities.city))), '') as city_key
    from email_users
    semi join unique_email_users using (name_key, email_user)
    inner join _link_identities as identities using (identity_id)

),

-- ... in one area (an area code or state in common), in one city when both name one
-- (namesakes with the same user name are mostly in different cities of one state).
email_user_pairs as (

    select
        least(free.identity_id, private.identity_id) as identity_a,
        greatest(free.identity_id, private.identity_id) as identity_b,
        'same_name_and_email_user' as rule,
        'email_user:' || free.email_user as evidence,
        true as is_accepted,
        null::varchar as reason,
        '{_KEEP}' as on_different
    from email_user_holders as free
    inner join email_user_holders as private
        on free.name_key = private.name_key
        and free.email_user = private.email_user
        and free.identity_id != private.identity_id
    where free.is_free
        and not private.is_free
        and list_has_any(free.areas, private.areas)
        and (free.city_key is null or private.city_key is null or free.city_key = private.city_key)
        -- Every person is in HubSpot, so namesakes are densest there: two of its contacts
        -- need a name of three words or more (two-word names: 7 true links, 9 false at 100k).
        and not (
            split_part(free.identity_id, ':', 1) = 'hubspot'
            and split_part(private.identity_id, ':', 1) = 'hubspot'
            and len(string_split(free.name_key, ' ')) < 3
        )

),

candidates as (

    select * from exact_pairs
    union all select * from crowded
    union all select * from local_pairs
    union all select * from email_user_pairs

)

select
    candidates.*,
    names_a.name_key as name_a,
    names_b.name_key as name_b,
    -- Names whose first words are equal are related; a missing name says nothing.
    on_different != '{_KEEP}'
        and names_a.name_key is not null
        and names_b.name_key is not null
        and split_part(names_a.name_key, ' ', 1) != split_part(names_b.name_key, ' ', 1)
        as name_check
from candidates
left join _link_identities as names_a on candidates.identity_a = names_a.identity_id
left join _link_identities as names_b on candidates.identity_b = names_b.identity_id
-- A local number between two unnamed identities is too little to go on.
where not (on_different = '{_DROP}' and names_a.name_key is null and names_b.name_key is null)
"""

# One row per pair and rule: an accepted one if any, its first evidence for the rest.
_FINAL_LINKS = f"""
with

judged as (

    select
        candidates.* exclude (is_accepted, reason),
        coalesce(verdicts.is_different, false) as names_differ,
        candidates.is_accepted and not (names_differ and on_different = '{_REJECT}')
            as is_accepted,
        case
            when names_differ and on_different = '{_REJECT}' then 'clearly_different_names'
            else candidates.reason
        end as reason
    from _link_candidates as candidates
    left join _link_name_verdicts as verdicts
        on candidates.name_check
        and candidates.name_a = verdicts.name_a
        and candidates.name_b = verdicts.name_b

)

select
    identity_a::varchar as identity_a,
    identity_b::varchar as identity_b,
    rule::varchar as rule,
    evidence::varchar as evidence,
    is_accepted::boolean as is_accepted,
    reason::varchar as reason
from judged
where not (names_differ and on_different = '{_DROP}')
qualify row_number() over (
    partition by identity_a, identity_b, rule order by is_accepted desc, evidence
) = 1
order by identity_a, identity_b, rule
"""


def formal_given_names(con: duckdb.DuckDBPyConnection, table: str) -> frozenset[str]:
    """First names as people write them in full names (the first word of a name of two or
    more words, three times or more): an abbreviation or a diminutive (Gabi, Lelê, Aninha)
    is written alone, a WhatsApp profile, not as the start of a full name."""
    rows = con.execute(
        f"""
        select split_part(name_key, ' ', 1) from {table}
        where contains(name_key, ' ')
        group by 1
        having count(*) >= 3
        """
    ).fetchall()
    return frozenset(word for (word,) in rows)


def _given_names(
    con: duckdb.DuckDBPyConnection, table: str, first_share: float = 0.5
) -> frozenset[str]:
    rows = con.execute(_GIVEN_NAMES.format(table=table), [first_share]).fetchall()
    return frozenset(word for (word,) in rows)


# Words written first in at least a share of the names that hold them: given names (0.5), not
# surnames; a second first name (Carlos Henrique, Maria Aparecida) is written first less often.
_GIVEN_NAMES = """
with words as (
    select
        unnest(string_split(name_key, ' ')) as word,
        generate_subscripts(string_split(name_key, ' '), 1) as position
    from {table}
    where name_key is not null
)
select word from words
group by word
having count(*) filter (where position = 1) >= ? * count(*)
"""


def given_name_words(names: pd.Series) -> frozenset[str]:
    """Words that are mostly written first in the names given (given names, not surnames):
    learnt from the data, so a name written surname first ("Campos Rosa") is still read."""
    con = duckdb.connect()
    con.register("names", pa.table({"name_key": pa.array(names.tolist(), type=pa.string())}))
    return _given_names(con, "names")


def clearly_different_names(
    names_a: np.ndarray,
    names_b: np.ndarray,
    given_names: frozenset[str] = frozenset(),
    formal_names: frozenset[str] = frozenset(),
    sometimes_given_names: frozenset[str] | None = None,
) -> np.ndarray:
    """True where two name keys cannot be one person's: no given name of one (its first word,
    or a later word that is a given name, for names written surname first) matches the
    other's given names beyond a typo (one edit), an abbreviation or diminutive
    (`_abbreviates`) or a nickname (`nicknames`); and neither name is made only of the
    other's words (a record with its first name missing). Shared surnames do not make two
    people one: a mother and her daughter share them. Two `formal_names` (first names of
    full names, `formal_given_names`) are never each other's abbreviation: José and Josefa,
    Ana and Antônio are two people.

    A name of surnames only (none of its words among `sometimes_given_names`, words written
    first in some names: `given_names` when not given) agrees with any name sharing one.

    A missing name is never clearly different: it says nothing.
    """
    sometimes_given_names = given_names if sometimes_given_names is None else sometimes_given_names
    a = pd.Series(names_a, dtype=object).fillna("")
    b = pd.Series(names_b, dtype=object).fillna("")
    known = ((a != "") & (b != "")).to_numpy()
    related = np.array(
        [
            bool(x and y)
            and _names_related(
                x.split(" "), y.split(" "), given_names, formal_names, sometimes_given_names
            )
            for x, y in zip(a, b, strict=True)
        ],
        dtype=bool,
    )
    return known & ~related


def _names_related(
    words_a: list[str],
    words_b: list[str],
    given_names: frozenset[str],
    formal_names: frozenset[str],
    sometimes_given: frozenset[str],
) -> bool:
    if _all_within(words_a, words_b) or _all_within(words_b, words_a):
        return True
    # A name of surnames only (a first name lost, or a WhatsApp profile of the family name)
    # tells a family, not a person: it agrees with anyone of that family.
    only_surnames = _only_surnames(words_a, sometimes_given) or _only_surnames(
        words_b, sometimes_given
    )
    if sometimes_given and only_surnames and _share_a_word(words_a, words_b):
        return True
    givens_a = [words_a[0], *(word for word in words_a[1:] if word in given_names)]
    givens_b = [words_b[0], *(word for word in words_b[1:] if word in given_names)]
    return any(
        _same_given_name(x, y, words_a, words_b, formal_names) for x in givens_a for y in givens_b
    )


def _same_given_name(
    x: str, y: str, words_x: list[str], words_y: list[str], formal_names: frozenset[str]
) -> bool:
    both_formal = x in formal_names and y in formal_names
    # José and Josefa, Maria and Mariana: one formal first name beginning another is another.
    if both_formal and x != y and (x.startswith(y) or y.startswith(x)):
        return False
    return (
        OSA.distance(x, y) <= 1
        # Similar first names (Eliana, Juliana; Amanda, Raimunda) are often two relatives:
        # only very similar ones count alone, the rest with a surname in common.
        or JaroWinkler.normalized_similarity(x, y) >= 0.9
        or (JaroWinkler.normalized_similarity(x, y) >= 0.8 and _share_a_surname(words_x, words_y))
        or (_abbreviates(x, y) and not both_formal)
        or (_abbreviates_but_a_typo(x, y) and not both_formal)
        # A nickname may stand for the second of two first names (Maria Aparecida: Cida).
        or any(is_nickname_of(x, word) for word in words_y[:2])
        or any(is_nickname_of(y, word) for word in words_x[:2])
    )


def _share_a_surname(words_x: list[str], words_y: list[str]) -> bool:
    return _share_a_word(words_x[1:], words_y[1:])


def _share_a_word(words_x: list[str], words_y: list[str]) -> bool:
    """A word of one is a word of the other, up to a typo."""
    return any(OSA.distance(x, y) <= 1 for x in words_x for y in words_y)


def _only_surnames(words: list[str], given_names: frozenset[str]) -> bool:
    return not any(word in given_names for word in words)


def _all_within(words: list[str], others: list[str]) -> bool:
    """Every word (up to a typo) is among the others: the same name with words missing."""
    return all(any(OSA.distance(word, other) <= 1 for other in others) for word in words)


def _abbreviates(first: str, other: str) -> bool:
    """One first name begins the other (Dani, Daniela; Maria, Mariazinha), or a short one
    (up to four letters: Gabi, Juju) shares its first two letters."""
    short, long = sorted((first, other), key=len)
    return bool(short) and (long.startswith(short) or (len(short) <= 4 and short[:2] == long[:2]))


def _abbreviates_but_a_typo(first: str, other: str) -> bool:
    """A misspelt name begins the other but for one edit (Jãoo, Joãozinho); names of four
    letters or more, so that one edit of a short one is not any name."""
    short, long = sorted((first, other), key=len)
    return (
        len(short) >= 4 and len(long) > len(short) and OSA.distance(short, long[: len(short)]) <= 1
    )
