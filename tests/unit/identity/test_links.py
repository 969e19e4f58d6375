"""Link rules and their guards, on hand-built identities."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from crm_elt.identity.links import (
    clearly_different_names,
    formal_given_names,
    given_name_words,
    identity_links,
)
from crm_elt.identity.rules import MAX_SHARED_IDENTIFIER, RULES


@pytest.mark.parametrize(
    ("a", "b", "different"),
    [
        ("maria silva", "ana silva", True),  # mother and daughter: same surname
        ("maria silva", "mari silva", False),  # abbreviation
        ("ana fonseca oliveira", "aan fonseca oliveira", False),  # typo
        ("jose lopes", "jsoe", False),  # typo, first name only
        ("silva maria", "maria silva", False),  # written surname first
        ("benedito mota", "dito", False),  # nickname
        ("antonia costa teles", "toninha", False),  # nickname
        ("maria", "mariazinha", False),  # diminutive
        ("larissa", "sandra marques araujo", True),
        ("andreia silva rodrigues", "antonio rocha barbosa", True),  # "an" is not enough
        ("toledo martins denies", "denise toledo martins", False),  # surname first, typo
        ("martins souza", "mateus martins souza", False),  # first name missing
        ("fontes sandra", "francisco ferreira fontes", True),  # a surname is not a given name
        ("alves marques roberto", "beto", False),  # surname first, then a nickname
        ("maria aparecida silva", "cida", False),  # nickname of the second first name
        ("maria eduarda santos", "dudinha", False),  # nickname of the second first name
        ("matheus godoy", "teteu", False),  # nickname
        ("eliana martins santos", "juliana", True),  # similar given names, no surname shared
        ("amanda matos abreu", "raimunda porto albuquerque", True),  # relatives
        ("elias cardoso", "eilsa cradoso", False),  # typos in both words
        (None, "sandra", False),  # no name says nothing
        ("jaoo lima", "joaozinho", False),  # diminutive of a misspelt name
        ("farncisco farias", "chico", False),  # nickname of a misspelt name
        ("gabirel bezerra santos", "biel", False),
        ("maria jose figueiredo sobral", "zeze", False),  # nickname of the second first name
        ("sales barros", "jaqueline sales vieira", False),  # surnames only: a family name
        ("freitas lopes", "antonia freitas", False),
        ("freitas lopes", "antonia barros", True),  # surnames only, of another family
        ("lu", "lucio", False),  # an abbreviation, even of a name not known as a given name
    ],
)
def test_clearly_different_names(a, b, different):
    # As the pipeline learns them from the data: every word mostly written first.
    given_names = frozenset(
        [
            "sandra",
            "denise",
            "denies",
            "roberto",
            "maria",
            "mateus",
            "matheus",
            "ana",
            "mari",
            "aan",
            "jose",
            "jsoe",
            "benedito",
            "dito",
            "antonia",
            "toninha",
            "mariazinha",
            "larissa",
            "andreia",
            "antonio",
            "francisco",
            "beto",
            "cida",
            "dudinha",
            "teteu",
            "eliana",
            "juliana",
            "amanda",
            "raimunda",
            "elias",
            "eilsa",
            "jaoo",
            "joaozinho",
            "farncisco",
            "chico",
            "gabirel",
            "biel",
            "zeze",
            "jaqueline",
            "luiz",
            "lucia",
        ]
    )
    result = clearly_different_names(
        np.array([a], dtype=object), np.array([b], dtype=object), given_names
    )
    assert result.tolist() == [different]


@pytest.mark.parametrize(
    ("a", "b", "different"),
    [
        ("jose monteiro", "josefa monteiro", True),  # two formal first names
        ("antonio paiva oliveira", "ana oliveira", True),
        ("ana clara gomes", "aninha", False),  # a diminutive is not a formal first name
        ("gabriela soares", "gabi", False),
    ],
)
def test_two_formal_first_names_are_not_abbreviations_of_each_other(a, b, different):
    formal = frozenset({"jose", "josefa", "antonio", "ana", "gabriela"})
    result = clearly_different_names(
        np.array([a], dtype=object), np.array([b], dtype=object), formal_names=formal
    )
    assert result.tolist() == [different]


def test_formal_first_names_are_first_words_of_full_names_seen_three_times():
    import duckdb

    con = duckdb.connect()
    names = (
        ["jose lima"] * 3
        + ["gabi"] * 5
        + ["gabi souza"] * 2
        + ["ana", "ana paz", "ana reis", "ana luz"]
    )
    con.register("names", pa.table({"name_key": names}))
    assert formal_given_names(con, "names") == {"jose", "ana"}


def test_given_names_are_the_words_mostly_written_first():
    names = pd.Series(["rosa campos", "rosa lima", "ana campos", "campos rosa", "lima"])
    assert given_name_words(names) == {"rosa", "ana", "lima"}


def identity(
    identity_id, name=None, emails=(), phones=(), whatsapp=(), local=(), state=None, city=None
):
    return {
        "city": city,
        "identity_id": identity_id,
        "name_key": name,
        "email_keys": list(emails),
        "phones": list(phones),
        "whatsapp_phones": list(whatsapp),
        "local_phones": list(local),
        "state": state,
    }


def links_of(
    identities: list[dict],
    documents: dict[str, str] | None = None,
    rules_off=(),
    merged: dict[str, str] | None = None,
):
    """`merged`: identity -> a HubSpot id it holds as hubspot_merge evidence."""
    evidence = [(key, "hubspot_merge", value) for key, value in (merged or {}).items()]
    for row in identities:
        evidence += [(row["identity_id"], "email", value) for value in row["email_keys"]]
        phones = row["phones"] + row["whatsapp_phones"]
        evidence += [(row["identity_id"], "phone", value) for value in phones]
    evidence += [(key, "document", value) for key, value in (documents or {}).items()]
    evidence_table = pa.Table.from_pandas(
        pd.DataFrame(evidence, columns=["identity_id", "evidence_kind", "evidence_value"]),
        preserve_index=False,
    )
    return identity_links(pa.Table.from_pylist(identities), evidence_table, rules_off).to_pandas()


def as_set(links: pd.DataFrame) -> set[tuple]:
    return {
        (row.identity_a, row.identity_b, row.rule, row.is_accepted, row.reason)
        for row in links.itertuples()
    }


def test_a_shared_email_links_unless_the_names_are_clearly_different():
    links = links_of(
        [
            identity("hubspot:1", "ana lima", emails=["ana@x.com"]),
            identity("manychat:2", "aninha", emails=["ana@x.com"]),
            identity("hotmart:3", "maria lima", emails=["ana@x.com"]),
        ]
    )
    assert as_set(links) == {
        ("hubspot:1", "manychat:2", "same_email", True, None),
        ("hotmart:3", "hubspot:1", "same_email", False, "clearly_different_names"),
        ("hotmart:3", "manychat:2", "same_email", False, "clearly_different_names"),
    }


def test_a_document_links_whatever_the_names():
    links = links_of(
        [identity("hotmart:1", "maria souza"), identity("hotmart:2", "ana lima")],
        documents={"hotmart:1": "12345678909", "hotmart:2": "12345678909"},
    )
    assert as_set(links) == {("hotmart:1", "hotmart:2", "same_document", True, None)}


def test_an_identifier_shared_by_many_links_no_one():
    crowd = [
        identity(f"hubspot:{number}", "ana lima", phones=["+5511999990000"])
        for number in range(MAX_SHARED_IDENTIFIER + 1)
    ]
    links = links_of(crowd)
    assert not links["is_accepted"].any()
    assert set(links["reason"]) == {"shared_identifier"}
    assert len(links) == MAX_SHARED_IDENTIFIER


def test_a_local_number_links_to_the_full_number_in_its_state():
    links = links_of(
        [
            identity("hubspot:1", "vitoria soares", local=["980373754"], state="SP"),
            identity("manychat:2", "vitoria soares", whatsapp=["+5514980373754"]),
            identity("manychat:3", "vitoria soares", whatsapp=["+5521980373754"]),  # RJ
        ]
    )
    accepted = links[links["is_accepted"]]
    assert list(
        zip(accepted["identity_a"], accepted["identity_b"], accepted["rule"], strict=True)
    ) == [("hubspot:1", "manychat:2", "same_local_phone")]


def test_a_local_number_links_in_another_state_only_under_the_same_full_name():
    moved = links_of(
        [
            identity("hubspot:1", "irene gomes correia", local=["970131190"], state="SP"),
            identity("manychat:2", "irene gomes correia", whatsapp=["+5561970131190"]),  # DF
            identity("manychat:3", "irene", whatsapp=["+5571970131190"]),  # BA, one word
        ]
    )
    assert list(zip(moved["identity_a"], moved["identity_b"], strict=True)) == [
        ("hubspot:1", "manychat:2")
    ]


def test_personal_and_work_email_of_a_unique_name_link():
    people = [
        identity("hubspot:1", "alice costa", emails=["alice.costa@clinica.com.br"], state="RJ"),
        identity("hotmart:2", "alice costa", emails=["alicecosta@gmail.com"], state="RJ"),
    ]
    assert as_set(links_of(people)) == {
        ("hotmart:2", "hubspot:1", "same_name_and_email_user", True, None)
    }
    # The same user name and name in two cities of one state: namesakes.
    elsewhere = [
        identity(
            "hubspot:1", "alice costa", ["alice.costa@clinica.com.br"], state="RJ", city="Niterói"
        ),
        identity("hotmart:2", "alice costa", ["alicecosta@gmail.com"], state="RJ", city="Macaé"),
    ]
    assert links_of(elsewhere).empty
    # Two HubSpot contacts with a two-word name: namesakes as often as not.
    in_hubspot = [
        identity("hubspot:1", "alice costa", ["alice.costa@clinica.com.br"], state="RJ"),
        identity("hubspot:2", "alice costa", ["alicecosta@gmail.com"], state="RJ"),
    ]
    assert links_of(in_hubspot).empty
    # A namesake with the same user name makes it ambiguous: no link.
    namesake = identity("manychat:3", "alice costa", emails=["alicecosta@hotmail.com"])
    assert (
        links_of([*people, namesake]).empty
        or not links_of([*people, namesake])["rule"].eq("same_name_and_email_user").any()
    )


def test_a_rule_switched_off_draws_no_link():
    people = [
        identity("hubspot:1", "ana lima", phones=["+5511999990000"]),
        identity("hubspot:2", "ana lima", phones=["+5511999990000"]),
    ]
    assert len(links_of(people)) == 1
    assert links_of(people, rules_off=["same_phone"]).empty


def test_a_hubspot_merge_links_whatever_the_names():
    # HubSpot merged contact 7 into 8; 7 stays from an earlier extraction, renamed since.
    links = links_of(
        [identity("hubspot:7", "bia souza"), identity("hubspot:8", "beatriz lima")],
        merged={"hubspot:7": "7", "hubspot:8": "7"},
    )
    assert as_set(links) == {("hubspot:7", "hubspot:8", "hubspot_merge", True, None)}
    assert links.loc[0, "evidence"] == "hubspot_merge:7"


def test_every_rule_has_a_description_and_a_strength():
    for rule in RULES.values():
        assert rule.description and rule.strength > 0
