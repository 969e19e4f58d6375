"""Name keys and full-name splits."""

from __future__ import annotations

import pyarrow as pa
import pytest

from crm_elt.normalize.names import name_keys, split_full_names


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Dra. MARIA DAS GRAÇAS Souza 🌸", "maria gracas souza"),
        ("maria gracas souza", "maria gracas souza"),
        ("João Pedro de Oliveira", "joao pedro oliveira"),
        ("Sr. José da Silva e Souza", "jose silva souza"),
        ("CONCEIÇÃO", "conceicao"),
        ("Ana-Clara", "ana clara"),
        ("🌸🌸", None),
        ("  ", None),
        (None, None),
    ],
)
def test_name_keys_fold_accents_titles_particles_and_emoji(name, key):
    assert name_keys(pa.array([name], pa.string())).to_pylist() == [key]


@pytest.mark.parametrize(
    ("name", "first", "last"),
    [
        ("Maria das Graças Souza", "Maria", "das Graças Souza"),
        ("Dra. Ana Lima", "Ana", "Lima"),
        ("Ana", "Ana", None),
        ("Ana 💕 Lima", "Ana", "Lima"),
        ("", None, None),
        (None, None, None),
    ],
)
def test_split_full_names_takes_the_first_word_and_the_rest(name, first, last):
    parts = split_full_names(pa.array([name], pa.string())).to_pylist()[0]
    assert parts == {"first_name": first, "last_name": last}
