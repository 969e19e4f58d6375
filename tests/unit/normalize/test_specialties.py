"""Medical specialties mapped through the dbt seed of aliases, with a fuzzy fallback."""

from __future__ import annotations

import csv

import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from crm_elt.fakedata.pools import SPECIALTIES
from crm_elt.normalize.specialties import (
    FUZZY_MIN_SCORE,
    SpecialtyVocabulary,
    match_specialties,
    specialty_key,
)
from tests.conftest import PROJECT_ROOT

SEED = PROJECT_ROOT / "dbt" / "seeds" / "specialty_aliases.csv"


@pytest.fixture(scope="module")
def seed_rows() -> list[dict[str, str]]:
    with SEED.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def vocabulary(seed_rows) -> SpecialtyVocabulary:
    return SpecialtyVocabulary(
        [row["alias"] for row in seed_rows], [row["specialty"] for row in seed_rows]
    )


def test_specialty_key_folds_accents_case_punctuation_and_spaces():
    assert specialty_key("  Med. da  DOR ") == "med da dor"
    assert specialty_key("Neurología") == "neurologia"
    assert specialty_key("Patologia Clínica/Medicina Laboratorial") == (
        "patologia clinica medicina laboratorial"
    )
    assert specialty_key(" .. ") is None
    assert specialty_key(None) is None


def test_seed_aliases_are_unambiguous_and_name_a_canonical_specialty(seed_rows, vocabulary):
    canonical = {row["specialty"] for row in seed_rows}
    assert all(row["specialty"] in canonical for row in seed_rows)
    # Every canonical specialty is in the seed as an alias of itself.
    assert canonical <= {row["alias"] for row in seed_rows if row["alias"] == row["specialty"]}
    assert len(vocabulary.by_key) == len({specialty_key(row["alias"]) for row in seed_rows})


def test_every_variant_the_generator_writes_maps_to_its_specialty(vocabulary):
    for specialty, variants in SPECIALTIES.items():
        assert vocabulary.match(specialty).specialty_match == "exact"
        for variant in variants:
            match = vocabulary.match(variant)
            assert match.specialty == specialty, variant
            assert match.specialty_match in {"alias", "fuzzy"}, variant


@pytest.mark.parametrize(
    ("raw", "specialty", "kind", "alias"),
    [
        ("Neurologia", "Neurologia", "exact", "Neurologia"),
        (" Neurologia ", "Neurologia", "alias", "Neurologia"),
        ("NEUROLOGIA", "Neurologia", "alias", "Neurologia"),
        ("Neuro", "Neurologia", "alias", "Neuro"),
        ("psiq", "Psiquiatria", "alias", "Psiq."),
        ("Ortopedia e Traumatologia", "Ortopedia", "alias", "Ortopedia e Traumatologia"),
        ("Clinico geral", "Clínica Médica", "alias", "Clínico Geral"),
        ("Cardiologista", "Cardiologia", "alias", "Cardiologista"),
    ],
)
def test_exact_and_alias_matches_score_100(vocabulary, raw, specialty, kind, alias):
    match = vocabulary.match(raw)
    assert (match.specialty, match.specialty_match, match.matched_alias) == (
        specialty,
        kind,
        alias,
    )
    assert match.specialty_match_score == 100.0


@pytest.mark.parametrize(
    ("raw", "specialty"),
    [
        ("Neurolgia", "Neurologia"),
        ("Pediatira", "Pediatria"),
        ("Cadiologia", "Cardiologia"),
        ("Neurocirugia", "Neurocirurgia"),
        ("reumatolgia", "Reumatologia"),
    ],
)
def test_misspelt_specialties_match_fuzzily_with_their_score(vocabulary, raw, specialty):
    match = vocabulary.match(raw)
    assert (match.specialty, match.specialty_match) == (specialty, "fuzzy")
    assert FUZZY_MIN_SCORE <= match.specialty_match_score < 100


@pytest.mark.parametrize("raw", ["Psicologia", "Fisioterapia", "xyz", "123", "Odontologia"])
def test_unknown_values_stay_unmapped_with_their_best_score(vocabulary, raw):
    match = vocabulary.match(raw)
    assert (match.specialty, match.specialty_match) == (None, "unmapped")
    assert 0 <= match.specialty_match_score < FUZZY_MIN_SCORE


def test_a_value_close_to_two_specialties_stays_unmapped():
    vocabulary = SpecialtyVocabulary(["Hematologia", "Hepatologia"], ["Hematologia", "Hepatologia"])
    match = vocabulary.match("Hetatologia")  # 90.9 from both
    assert (match.specialty, match.specialty_match) == (None, "unmapped")
    assert match.specialty_match_score >= FUZZY_MIN_SCORE


def test_missing_values_have_no_match():
    vocabulary = SpecialtyVocabulary(["Neuro"], ["Neurologia"])
    for raw in (None, "", "   "):
        assert vocabulary.match(raw).specialty_match is None


def test_an_alias_meaning_two_specialties_is_refused():
    with pytest.raises(ValueError, match="'neuro' means both 'Neurologia' and 'Neurocirurgia'"):
        SpecialtyVocabulary(["Neuro", "neuro"], ["Neurologia", "Neurocirurgia"])


def test_match_specialties_maps_a_column_through_the_seed_lists():
    aliases = pa.array([["Neuro", "Psiq."]] * 4, pa.list_(pa.string()))
    specialties = pa.array([["Neurologia", "Psiquiatria"]] * 4, pa.list_(pa.string()))
    values = pa.array(["neuro", None, "Psiquiatria", "neuro"], pa.string())
    result = match_specialties(values, aliases, specialties).to_pylist()
    assert [row["specialty"] for row in result] == ["Neurologia", None, "Psiquiatria", "Neurologia"]
    assert [row["specialty_match"] for row in result] == ["alias", None, "exact", "alias"]


def test_match_specialties_without_a_vocabulary_leaves_values_unmapped():
    empty = pa.array([None], pa.list_(pa.string()))
    result = match_specialties(pa.array(["Neuro"]), empty, empty).to_pylist()
    assert result == [
        {
            "specialty": None,
            "specialty_match": "unmapped",
            "specialty_match_score": None,
            "matched_alias": None,
        }
    ]


@given(st.text(max_size=40))
def test_any_text_maps_to_a_canonical_specialty_or_none(text):
    vocabulary = SpecialtyVocabulary(
        ["Neuro", "Neurologia", "Pediatra"], ["Neurologia", "Neurologia", "Pediatria"]
    )
    match = vocabulary.match(text)
    assert match.specialty in {None, "Neurologia", "Pediatria"}
    assert (match.specialty is None) == (match.specialty_match in {None, "unmapped"})
