"""Medical specialties: each free-text value mapped to a canonical specialty, and how.

The vocabulary is data, not code: dbt's seed `specialty_aliases` (alias -> specialty) is
passed in by the caller, and every canonical specialty counts as an alias of itself. A value
is matched, in this order:

- `exact`: it is a canonical specialty exactly as spelt in the seed ("Neurologia");
- `alias`: its key (accents folded, lower case, punctuation and extra spaces dropped) is the
  key of an alias or of a canonical name ("NEUROLOGIA", "Neurología", "Neuro", "Psiq.");
- `fuzzy`: the closest key by rapidfuzz's normalized Indel similarity scores at least
  `FUZZY_MIN_SCORE` and no other specialty comes within `FUZZY_MIN_MARGIN` of it
  ("Neurolgia" -> Neurologia, 94.7);
- `unmapped`: otherwise. The specialty is null, the raw value stays with the caller and the
  best score found is still reported, so a new alias can be added to the seed.

Works on the distinct values of the column: a specialty column holds a few dozen of them.
"""

from __future__ import annotations

from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from crm_elt.normalize.arrow import as_array

FUZZY_MIN_SCORE = 85.0
# Two specialties scoring this close to a value (Cardiologia and Radiologia for "Cadiologia")
# leave it unmapped rather than guessed.
FUZZY_MIN_MARGIN = 3.0
SPECIALTY_MATCH_TYPE = pa.struct(
    [
        ("specialty", pa.string()),
        ("specialty_match", pa.string()),
        ("specialty_match_score", pa.float64()),
        ("matched_alias", pa.string()),
    ]
)


@dataclass(frozen=True)
class SpecialtyMatch:
    specialty: str | None
    specialty_match: str | None  # exact | alias | fuzzy | unmapped; None for a missing value
    specialty_match_score: float | None
    matched_alias: str | None


class SpecialtyVocabulary:
    """Aliases and canonical specialties, indexed by key."""

    def __init__(self, aliases: list[str | None], specialties: list[str | None]):
        if len(aliases) != len(specialties):
            raise ValueError(
                f"specialty aliases and specialties differ in length: "
                f"{len(aliases)} aliases, {len(specialties)} specialties"
            )
        self.canonical = {specialty for specialty in specialties if specialty}
        self.by_key: dict[str, tuple[str, str]] = {}  # key -> (alias as written, specialty)
        pairs = [(name, name) for name in sorted(self.canonical)]
        pairs += sorted(zip(aliases, specialties, strict=True), key=lambda pair: str(pair))
        for alias, specialty in pairs:
            key = specialty_key(alias) if alias and specialty else None
            if not key:
                continue
            known = self.by_key.setdefault(key, (alias, specialty))
            if known[1] != specialty:
                raise ValueError(
                    f"specialty alias {alias!r} means both {known[1]!r} and {specialty!r}"
                )
        self.keys = list(self.by_key)

    def match(self, raw: str | None) -> SpecialtyMatch:
        if raw is None or not raw.strip():
            return SpecialtyMatch(None, None, None, None)
        if raw in self.canonical:
            return SpecialtyMatch(raw, "exact", 100.0, raw)
        key = specialty_key(raw)
        if key in self.by_key:
            alias, specialty = self.by_key[key]
            return SpecialtyMatch(specialty, "alias", 100.0, alias)
        return self._fuzzy(key)

    def _fuzzy(self, key: str) -> SpecialtyMatch:
        if not key or not self.keys:
            return SpecialtyMatch(None, "unmapped", 0.0 if self.keys else None, None)
        best: dict[str, tuple[float, str]] = {}  # specialty -> (score, alias)
        for candidate, score, _ in process.extract(
            key, self.keys, scorer=fuzz.ratio, limit=len(self.keys)
        ):
            alias, specialty = self.by_key[candidate]
            if specialty not in best:
                best[specialty] = (score, alias)
        ranked = sorted(best.items(), key=lambda item: (-item[1][0], item[0]))
        specialty, (score, alias) = ranked[0]
        runner_up = ranked[1][1][0] if len(ranked) > 1 else 0.0
        score = round(score, 1)
        if score >= FUZZY_MIN_SCORE and score - runner_up >= FUZZY_MIN_MARGIN:
            return SpecialtyMatch(specialty, "fuzzy", score, alias)
        # The nearest alias is reported as a hint for the seed, unless nothing was near.
        return SpecialtyMatch(None, "unmapped", score, alias if score > 0 else None)


def specialty_key(text: str | None) -> str | None:
    """Accent-folded, lower-case words: 'Med. da Dor ' -> 'med da dor'."""
    return specialty_keys(pa.array([text], pa.string()))[0].as_py()


def specialty_keys(values: pa.Array) -> pa.Array:
    text = pc.utf8_normalize(pc.cast(values, pa.string()), "NFKD")
    text = pc.replace_substring_regex(text, r"\p{Mn}+", "")  # the accents NFKD split off
    text = pc.utf8_lower(text)
    text = pc.replace_substring_regex(text, r"[^a-z0-9]+", " ")
    text = pc.utf8_trim_whitespace(text)
    return pc.if_else(pc.equal(text, ""), None, text)


def match_specialties(values: pa.Array, aliases: pa.Array, specialties: pa.Array) -> pa.StructArray:
    """Each value's SpecialtyMatch (SPECIALTY_MATCH_TYPE).

    `aliases` and `specialties` are list columns holding the seed, the same list on every
    row (SQL passes them from a one-row subquery); the first non-null row is used.
    """
    values = as_array(values)
    vocabulary = SpecialtyVocabulary(*_first_lists(as_array(aliases), as_array(specialties)))
    distinct = pc.unique(values)
    matches = [vocabulary.match(value) for value in distinct.to_pylist()]
    positions = pc.index_in(values, value_set=distinct)
    columns = [
        pa.array([getattr(match, field.name) for match in matches], field.type).take(positions)
        for field in SPECIALTY_MATCH_TYPE
    ]
    return pa.StructArray.from_arrays(columns, fields=list(SPECIALTY_MATCH_TYPE))


def _first_lists(aliases: pa.Array, specialties: pa.Array) -> tuple[list, list]:
    for alias_list, specialty_list in zip(aliases, specialties, strict=True):
        if alias_list.is_valid and specialty_list.is_valid:
            return alias_list.as_py(), specialty_list.as_py()
    return [], []
