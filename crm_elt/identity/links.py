"""Candidate links between identities, each accepted or rejected by a named rule.

Exact evidence (document, email key, phone) links every pair of identities that share it,
unless the identifier is shared by many (a front desk) or the pair's names are clearly
different (a mother and the daughter who registered her with her own phone). Pairs that share
no identifier can still be linked by `same_name_and_email_user`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection

import numpy as np
import pandas as pd
import pyarrow as pa
from rapidfuzz.distance import OSA, JaroWinkler

from crm_elt.identity.nicknames import is_nickname_of
from crm_elt.identity.rules import FREE_EMAIL_PROVIDERS, MAX_SHARED_IDENTIFIER
from crm_elt.normalize.brazil import STATE_BY_DDD

EVIDENCE_RULES = {"document": "same_document", "email": "same_email", "phone": "same_phone"}
LINK_COLUMNS = ["identity_a", "identity_b", "rule", "evidence", "is_accepted", "reason"]


def identity_links(
    identities: pa.Table, evidence: pa.Table, rules_off: Collection[str] = ()
) -> pd.DataFrame:
    """Every candidate link (identity_a < identity_b), accepted or not, with its reason."""
    table = identities.to_pandas()
    people = table[["identity_id", "name_key"]].set_index("identity_id")
    given_names = given_name_words(people["name_key"])
    frames = [
        _exact_links(evidence.to_pandas(), people["name_key"], given_names, rules_off),
        _email_user_links(table, rules_off),
        _local_phone_links(table, given_names, rules_off),
    ]
    frames = [frame for frame in frames if len(frame)]
    if not frames:
        return pd.DataFrame(columns=LINK_COLUMNS)
    links = pd.concat(frames, ignore_index=True)
    # One row per pair and rule: an accepted one if any, its first evidence for the rest.
    links["is_accepted"] = links["is_accepted"].astype(bool)
    links = links.sort_values(
        ["identity_a", "identity_b", "rule", "is_accepted", "evidence"],
        ascending=[True, True, True, False, True],
        kind="stable",
    )
    return links.drop_duplicates(["identity_a", "identity_b", "rule"])[LINK_COLUMNS].reset_index(
        drop=True
    )


def _exact_links(
    evidence: pd.DataFrame, names: pd.Series, given_names: frozenset[str], rules_off
) -> pd.DataFrame:
    evidence = evidence[evidence["evidence_kind"].isin(list(EVIDENCE_RULES))]
    evidence = evidence[~evidence["evidence_kind"].map(EVIDENCE_RULES).isin(list(rules_off))]
    sizes = evidence.groupby(["evidence_kind", "evidence_value"])["identity_id"].transform("size")
    shared = evidence[sizes >= 2]
    small = shared[sizes[sizes >= 2] <= MAX_SHARED_IDENTIFIER]
    pairs = small.merge(small, on=["evidence_kind", "evidence_value"], suffixes=("_a", "_b"))
    pairs = pairs[pairs["identity_id_a"] < pairs["identity_id_b"]]
    links = pd.DataFrame(
        {
            "identity_a": pairs["identity_id_a"].to_numpy(),
            "identity_b": pairs["identity_id_b"].to_numpy(),
            "rule": pairs["evidence_kind"].map(EVIDENCE_RULES).to_numpy(),
            "evidence": (pairs["evidence_kind"] + ":" + pairs["evidence_value"]).to_numpy(),
        }
    )
    different = clearly_different_names(
        names.reindex(links["identity_a"]).to_numpy(),
        names.reindex(links["identity_b"]).to_numpy(),
        given_names,
    )
    # A document is the person's: it links even across name changes. Two shared identifiers
    # do not override the names: a family shares its email and its phone alike.
    guarded = links["rule"].to_numpy() != "same_document"
    rejected = different & guarded
    links["is_accepted"] = ~rejected
    links["reason"] = np.where(rejected, "clearly_different_names", None)
    crowded = shared[sizes[sizes >= 2] > MAX_SHARED_IDENTIFIER]
    return pd.concat([links, _crowded_identifier_rows(crowded)], ignore_index=True)


def _crowded_identifier_rows(crowded: pd.DataFrame) -> pd.DataFrame:
    """A shared identifier is reported once per identity, linked to the group's first."""
    if not len(crowded):
        return pd.DataFrame(columns=LINK_COLUMNS)
    crowded = crowded.sort_values("identity_id")
    first = crowded.groupby(["evidence_kind", "evidence_value"])["identity_id"].transform("first")
    rows = crowded[crowded["identity_id"] != first]
    return pd.DataFrame(
        {
            "identity_a": first[rows.index].to_numpy(),
            "identity_b": rows["identity_id"].to_numpy(),
            "rule": rows["evidence_kind"].map(EVIDENCE_RULES).to_numpy(),
            "evidence": (rows["evidence_kind"] + ":" + rows["evidence_value"]).to_numpy(),
            "is_accepted": False,
            "reason": "shared_identifier",
        }
    )


def _email_user_links(identities: pd.DataFrame, rules_off) -> pd.DataFrame:
    """Personal and work address of one person: the same full name, the same user name
    (dots and underscores aside) at a free provider and at a private domain, in one area."""
    rule = "same_name_and_email_user"
    if rule in rules_off:
        return pd.DataFrame(columns=LINK_COLUMNS)
    rows = identities[
        ["identity_id", "name_key", "email_keys", "phones", "whatsapp_phones", "state"]
    ]
    rows = rows[rows["name_key"].str.contains(" ", na=False)].explode("email_keys")
    rows = rows.dropna(subset=["email_keys"])
    if not len(rows):
        return pd.DataFrame(columns=LINK_COLUMNS)
    parts = rows["email_keys"].str.rpartition("@")
    rows = rows.assign(
        email_user=parts[0].str.replace(r"[._]", "", regex=True),
        is_free=parts[2].isin(FREE_EMAIL_PROVIDERS),
    )
    # A name and user name that several people have (namesakes, common at Zipf-like
    # frequencies) say nothing about which of them is which: only a unique pair links.
    holders = rows.groupby(["name_key", "email_user"])["identity_id"].transform("nunique")
    rows = rows[holders == 2]
    free, private = rows[rows["is_free"]], rows[~rows["is_free"]]
    pairs = free.merge(private, on=["name_key", "email_user"], suffixes=("_a", "_b"))
    if not len(pairs):
        return pd.DataFrame(columns=LINK_COLUMNS)
    area_a = _areas(pairs["phones_a"], pairs["whatsapp_phones_a"], pairs["state_a"])
    area_b = _areas(pairs["phones_b"], pairs["whatsapp_phones_b"], pairs["state_b"])
    pairs = pairs[np.array([bool(x & y) for x, y in zip(area_a, area_b, strict=True)], dtype=bool)]
    return _ordered_links(
        pairs["identity_id_a"], pairs["identity_id_b"], rule, "email_user:" + pairs["email_user"]
    )


def _local_phone_links(
    identities: pd.DataFrame, given_names: frozenset[str], rules_off
) -> pd.DataFrame:
    """A number recorded without area code against a full number ending in it, in the
    record's state (when it has one), between names that are not clearly different."""
    rule = "same_local_phone"
    if rule in rules_off:
        return pd.DataFrame(columns=LINK_COLUMNS)
    local = identities[["identity_id", "name_key", "state", "local_phones"]].explode("local_phones")
    local = local.dropna(subset=["local_phones"])
    if not len(local):
        return pd.DataFrame(columns=LINK_COLUMNS)
    full = identities[["identity_id", "name_key", "phones", "whatsapp_phones"]].copy()
    full["phone"] = [
        [*own, *chat] for own, chat in zip(full["phones"], full["whatsapp_phones"], strict=True)
    ]
    full = full.explode("phone").dropna(subset=["phone"])
    full["local_phones"] = full["phone"].str[-9:]
    full["ddd"] = full["phone"].str[3:5].astype(int)
    pairs = local.merge(
        full[["identity_id", "name_key", "local_phones", "ddd", "phone"]],
        on="local_phones",
        suffixes=("_a", "_b"),
    )
    pairs = pairs[pairs["identity_id_a"] != pairs["identity_id_b"]]
    in_state = [
        not isinstance(state, str) or not state or STATE_BY_DDD.get(ddd) == state.upper()
        for state, ddd in zip(pairs["state"], pairs["ddd"], strict=True)
    ]
    pairs = pairs[np.array(in_state, dtype=bool)]
    # A local number fits many full ones only when it is common: then it links no one.
    fits = pairs.groupby(["identity_id_a", "local_phones"])["identity_id_b"].transform("nunique")
    pairs = pairs[fits <= 2]
    different = clearly_different_names(
        pairs["name_key_a"].to_numpy(), pairs["name_key_b"].to_numpy(), given_names
    )
    unnamed = pairs["name_key_a"].isna().to_numpy() & pairs["name_key_b"].isna().to_numpy()
    pairs = pairs[~different & ~unnamed]
    return _ordered_links(
        pairs["identity_id_a"], pairs["identity_id_b"], rule, "local_phone:" + pairs["phone"]
    )


def _ordered_links(
    first: pd.Series, second: pd.Series, rule: str, evidence: pd.Series
) -> pd.DataFrame:
    first, second = first.to_numpy(), second.to_numpy()
    swap = first > second
    return pd.DataFrame(
        {
            "identity_a": np.where(swap, second, first),
            "identity_b": np.where(swap, first, second),
            "rule": rule,
            "evidence": evidence.to_numpy(),
            "is_accepted": True,
            "reason": None,
        }
    )


def _areas(phones: pd.Series, whatsapp: pd.Series, states: pd.Series) -> list[set[str]]:
    """Where an identity is: its phones' area codes and its state."""
    areas = []
    for own, chat, state in zip(phones, whatsapp, states, strict=True):
        found = {f"ddd:{phone[3:5]}" for phone in [*list(own), *list(chat)] if phone}
        if isinstance(state, str) and state:
            found.add(f"state:{state}")
        areas.append(found)
    return areas


def given_name_words(names: pd.Series) -> frozenset[str]:
    """Words that are mostly written first in the names given (given names, not surnames):
    learnt from the data, so a name written surname first ("Campos Rosa") is still read."""
    words = names.dropna().str.split(" ")
    first = Counter(words.str[0])
    everywhere = Counter(word for row in words for word in row)
    return frozenset(word for word, count in everywhere.items() if first[word] * 2 >= count)


def clearly_different_names(
    names_a: np.ndarray, names_b: np.ndarray, given_names: frozenset[str] = frozenset()
) -> np.ndarray:
    """True where two name keys cannot be one person's: no given name of one (its first word,
    or a later word that is a given name, for names written surname first) matches the
    other's given names beyond a typo (one edit), an abbreviation or diminutive
    (`_abbreviates`) or a nickname (`nicknames`); and neither name is made only of the
    other's words (a record with its first name missing). Shared surnames do not make two
    people one: a mother and her daughter share them.

    A missing name is never clearly different: it says nothing.
    """
    a = pd.Series(names_a, dtype=object).fillna("")
    b = pd.Series(names_b, dtype=object).fillna("")
    known = ((a != "") & (b != "")).to_numpy()
    related = np.array(
        [
            bool(x and y) and _names_related(x.split(" "), y.split(" "), given_names)
            for x, y in zip(a, b, strict=True)
        ],
        dtype=bool,
    )
    return known & ~related


def _names_related(words_a: list[str], words_b: list[str], given_names: frozenset[str]) -> bool:
    if _all_within(words_a, words_b) or _all_within(words_b, words_a):
        return True
    givens_a = [words_a[0], *(word for word in words_a[1:] if word in given_names)]
    givens_b = [words_b[0], *(word for word in words_b[1:] if word in given_names)]
    return any(_same_given_name(x, y, words_a, words_b) for x in givens_a for y in givens_b)


def _same_given_name(x: str, y: str, words_x: list[str], words_y: list[str]) -> bool:
    return (
        OSA.distance(x, y) <= 1
        or JaroWinkler.normalized_similarity(x, y) >= 0.8
        or _abbreviates(x, y)
        # A nickname may stand for the second of two first names (Maria Aparecida: Cida).
        or any(is_nickname_of(x, word) for word in words_y[:2])
        or any(is_nickname_of(y, word) for word in words_x[:2])
    )


def _all_within(words: list[str], others: list[str]) -> bool:
    """Every word (up to a typo) is among the others: the same name with words missing."""
    return all(any(OSA.distance(word, other) <= 1 for other in others) for word in words)


def _abbreviates(first: str, other: str) -> bool:
    """One first name begins the other (Dani, Daniela; Maria, Mariazinha), or a short one
    (up to four letters: Gabi, Juju) shares its first two letters."""
    short, long = sorted((first, other), key=len)
    return bool(short) and (long.startswith(short) or (len(short) <= 4 and short[:2] == long[:2]))
