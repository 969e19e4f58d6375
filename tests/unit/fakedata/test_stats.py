"""The realism report: exact figures on a hand-built world; totals that agree on a generated one."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import networkx
import pandas as pd
import pytest

from crm_elt.fakedata.defects import PHONE_SHAPES
from crm_elt.fakedata.stats import (
    EVIDENCE_CLASSES,
    PHONE_KEY_MACRO,
    StatsInputError,
    format_report,
    main,
    realism_report,
)
from crm_elt.sources.csv_files import SUFFIXES, parse_csv
from crm_elt.sources.manychat import HEADER_MAP
from tests.conftest import generate_dataset

EXPORT_HEADER = "ID,First Name,Last Name,Email,Phone,WhatsApp Phone"


def write_world(out: Path, *, front_desk_email: bool = True) -> Path:
    """Six persons; the pairs and clusters are worked out by hand in the tests below.

    P1 Ana: HubSpot 101 and 102 (same email, messy case, and same phone in two shapes),
        Hotmart buyer U1 (3 sales; only the phone in common); merged-away 106 (not in source).
    P2 Bruno: HubSpot 103 (front-desk email), ManyChat 9002 (same phone on WhatsApp only).
    P3 Carla: HubSpot 104 (the same front-desk email: merges her with Bruno; with
        `front_desk_email=False` each has an email of their own).
    P4 Dora: HubSpot 105 (phone without area code), Hotmart U2 (same email, no phone),
        ManyChat row in scientific notation (quarantined by the importer).
    P5 Edu: Hotmart U3, ManyChat 9001 (other email, phone without area code): nothing shared.
    P6 Fabi: in no source.
    """
    (out / "truth").mkdir(parents=True)
    (out / "sandbox").mkdir()
    (out / "input" / "manychat").mkdir(parents=True)
    pd.DataFrame(
        {
            "person_id": [1, 2, 3, 4, 5, 6],
            "first_name": ["Ana", "Bruno", "Carla", "Dora", "Edu", "Fabi"],
            "last_name": ["Silva", "Santos", "da Silva Souza", "Silva", "Oliveira", "Souza"],
        }
    ).to_parquet(out / "truth" / "persons.parquet")
    records = [
        ("hubspot", "contacts", "101", 1, True),
        ("hubspot", "contacts", "102", 1, True),
        ("hubspot", "contacts", "106", 1, False),
        ("hubspot", "contacts", "103", 2, True),
        ("hubspot", "contacts", "104", 3, True),
        ("hubspot", "contacts", "105", 4, True),
        ("hotmart", "sales", "T1", 1, True),
        ("hotmart", "sales", "T2", 1, True),
        ("hotmart", "sales", "T3", 1, True),
        ("hotmart", "sales", "T4", 4, True),
        ("hotmart", "sales", "T5", 5, True),
        ("manychat", "subscribers", "9001", 5, True),
        ("manychat", "subscribers", "9002", 2, True),
        ("manychat", "subscribers_csv", "export.csv:2", 5, True),
        ("manychat", "subscribers_csv", "export.csv:3", 2, True),
        ("manychat", "subscribers_csv", "export.csv:4", 4, True),
    ]
    truth = pd.DataFrame(
        records, columns=["source", "entity", "record_id", "person_id", "in_source"]
    )
    truth["company_id"] = pd.array([None] * len(truth), dtype="Int64")
    truth["defects"] = ""
    truth["carries_phone"] = True  # a column the report does not know: ignored
    truth.to_parquet(out / "truth" / "records.parquet")
    pd.DataFrame(
        {
            "id": ["101", "102", "103", "104", "105"],
            "email": [
                "ana@x.com",
                " ANA@X.COM ",
                "recepcao@clinica.com.br" if front_desk_email else "bruno@x.com",
                "recepcao@clinica.com.br" if front_desk_email else "carla@x.com",
                "dora@x.com",
            ],
            "phone": ["+5511987654321", None, "+5521911112222", None, None],
            "mobilephone": [
                "+5511987654321",
                "(11) 98765-4321",
                None,
                "+5531933334444",
                "98888-7777",
            ],
        }
    ).to_parquet(out / "sandbox" / "hubspot_contacts.parquet")
    sales = [
        ("T1", "U1", "ana.outro@x.com", "11 98765-4321"),
        ("T2", "U1", "ana.outro@x.com", "11 98765-4321"),
        ("T3", "U1", "ana.outro@x.com", None),
        ("T4", "U2", "Dora@X.com", None),
        ("T5", "U3", "edu@y.com", "+55 (41) 95555-6666"),
    ]
    buyers = pd.DataFrame(sales, columns=["transaction", "ucode", "email", "cellphone"])
    buyers["role"] = "BUYER"
    producers = buyers.assign(
        role="PRODUCER", ucode="PRODUCER1", email="contato@cuidar.com.br", cellphone=None
    )
    # No `phone` column at all: an optional column missing reads as null.
    pd.concat([buyers, producers]).to_parquet(out / "sandbox" / "hotmart_sales_users.parquet")
    (out / "input" / "manychat" / "export.csv").write_text(
        f"{EXPORT_HEADER}\n"
        "9001,Edu,,edu.trabalho@z.com,95555-6666,\n"
        "9002,Bruno,Santos,,,+5521911112222\n"
        "1.23457E+15,Dora,Silva,dora@x.com,,\n",
        encoding="utf-8",
    )
    return out


@pytest.fixture
def hand_world(tmp_path) -> Path:
    return write_world(tmp_path / "world")


def test_hand_built_world_gives_the_hand_computed_figures(hand_world):
    report = realism_report(hand_world)

    assert report.persons == 6
    assert [(item.surname, item.persons) for item in report.top_surnames] == [
        ("Silva", 3),
        ("Souza", 2),
        ("Oliveira", 1),
        ("Santos", 1),
    ]
    assert report.top_surnames[0].share == pytest.approx(0.5)
    # P6 in none; P3 in HubSpot only; P1, P2, P5 in two; P4 in all three.
    assert report.persons_by_source_count == {0: 1, 1: 1, 2: 3, 3: 1}
    assert report.persons_in_two_or_more_sources == 4
    assert report.identities == {"hubspot": 5, "hotmart": 3, "manychat": 2}
    assert report.unmatched_identities == 0
    assert report.manychat_rows_not_loaded == 1
    # 101-102 share both; 101-U1, 102-U1 and 103-9002 a phone; 105-U2 an email; U3-9001 none.
    assert report.true_pairs == {
        "email and phone": 1,
        "phone only": 3,
        "email only": 1,
        "neither": 1,
    }
    assert (report.purchases.buyers, report.purchases.purchases) == (3, 5)
    assert report.purchases.median == 1
    assert report.purchases.p99 == pytest.approx(1 + 0.98 * 2)  # of [1, 1, 3], linear
    assert report.purchases.max == 3

    rule = report.rule
    # Clusters {101, 102, U1}, {103, 104, 9002} (front-desk email), {105, U2}, {U3}, {9001}.
    assert rule.clusters == 5
    assert rule.over_merged_clusters == 1
    assert rule.predicted_pairs == 3 + 3 + 1
    assert rule.true_pairs == 6
    assert rule.true_positive_pairs == 3 + 1 + 1
    assert rule.precision == pytest.approx(5 / 7)
    assert rule.recall == pytest.approx(5 / 6)
    assert (rule.persons_resolved, rule.persons_with_identities) == (2, 5)  # Ana and Dora
    assert rule.missed_pairs == {
        "email and phone": 0,
        "phone only": 0,
        "email only": 0,
        "neither": 1,
    }


def test_a_front_desk_email_costs_precision_by_the_pairs_it_merges(tmp_path):
    """Two persons' own emails instead of one shared one: the two false pairs go away."""
    shared = realism_report(write_world(tmp_path / "shared")).rule
    own = realism_report(write_world(tmp_path / "own", front_desk_email=False)).rule

    assert (own.predicted_pairs, own.true_positive_pairs) == (5, 5)
    assert own.precision == 1.0
    assert shared.predicted_pairs - own.predicted_pairs == 2  # 103-104 and 104-9002
    assert shared.precision == pytest.approx(5 / 7)
    assert (shared.recall, own.over_merged_clusters) == (own.recall, 0)


def test_an_invalid_email_is_evidence_but_not_a_rule_key(tmp_path):
    world = write_world(tmp_path / "world")
    contacts = pd.read_parquet(world / "sandbox" / "hubspot_contacts.parquet")
    contacts.loc[contacts["id"] == "105", "email"] = "dorax.com"
    contacts.to_parquet(world / "sandbox" / "hubspot_contacts.parquet")
    users = pd.read_parquet(world / "sandbox" / "hotmart_sales_users.parquet")
    users.loc[users["ucode"] == "U2", "email"] = " DORAX.COM"
    users.to_parquet(world / "sandbox" / "hotmart_sales_users.parquet")

    report = realism_report(world)

    assert report.true_pairs["email only"] == 1  # equal once trimmed and lowercased
    assert report.rule.missed_pairs["email only"] == 1  # but no valid email to join on
    assert report.rule.recall == pytest.approx(4 / 6)


@pytest.mark.parametrize("ninth", ["9", ""], ids=["mobile", "landline"])
@pytest.mark.parametrize("shape", PHONE_SHAPES)
def test_phone_key_reads_every_generated_shape(shape, ninth):
    assert phone_key(shape.format(ddd="11", n=ninth, a="8765", b="4321")) == "1187654321"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ("(11) 8765-4321", "1187654321"),  # without the ninth digit
        ("(55) 98765-4321", "5587654321"),  # DDD 55 is not the country code
        ("+55 55 98765-4321", "5587654321"),
        ("98765-4321", None),  # no area code
        ("5.51199E+12", None),  # an Excel round trip
        ("", None),
        (None, None),
    ],
)
def test_phone_key_edge_cases(raw, key):
    assert phone_key(raw) == key


def phone_key(raw: str | None) -> str | None:
    con = duckdb.connect()
    con.execute(PHONE_KEY_MACRO)
    rows = con.execute("select national_phone_key(phone_digits(?::varchar))", [raw]).fetchall()
    return rows[0][0]


def test_missing_file_is_named(hand_world, capsys):
    (hand_world / "sandbox" / "hubspot_contacts.parquet").unlink()

    with pytest.raises(StatsInputError, match=r"hubspot_contacts\.parquet: missing"):
        realism_report(hand_world)
    assert main([str(hand_world)]) == 2
    assert "hubspot_contacts.parquet: missing" in capsys.readouterr().err


def test_unreadable_export_is_noted_and_the_rest_is_measured(hand_world):
    (hand_world / "input" / "manychat" / "broken.csv").write_text("Nome;Sobrenome\nAna;Silva\n")

    report = realism_report(hand_world)

    assert report.identities["manychat"] == 2
    assert any("broken.csv" in note and "subscriber_id" in note for note in report.notes)
    assert "broken.csv" in format_report(report)


@pytest.fixture(scope="module")
def generated_world(tmp_path_factory) -> Path:
    return generate_dataset(tmp_path_factory.mktemp("stats") / "data", contacts=2000, seed=5)


def test_generated_world_totals_agree_with_the_truth(generated_world):
    report = realism_report(generated_world)
    persons = pd.read_parquet(generated_world / "truth" / "persons.parquet")
    contacts = pd.read_parquet(generated_world / "sandbox" / "hubspot_contacts.parquet")
    users = pd.read_parquet(generated_world / "sandbox" / "hotmart_sales_users.parquet")
    buyers = users[users["role"] == "BUYER"]

    assert report.persons == len(persons)
    assert sum(report.persons_by_source_count.values()) == len(persons)
    assert sum(report.true_pairs.values()) == report.rule.true_pairs > 0
    assert min(report.true_pairs.values()) >= 0
    assert report.identities["hubspot"] == len(contacts)
    assert report.identities["hotmart"] == buyers["ucode"].nunique()
    assert report.unmatched_identities == 0
    assert report.purchases.purchases == len(buyers)
    assert report.rule.true_positive_pairs <= min(
        report.rule.predicted_pairs, report.rule.true_pairs
    )
    assert sum(report.rule.missed_pairs.values()) == (
        report.rule.true_pairs - report.rule.true_positive_pairs
    )
    assert all(
        0 <= report.rule.missed_pairs[name] <= report.true_pairs[name] for name in report.true_pairs
    )
    assert sum(item.persons for item in report.top_surnames) <= len(persons) * 2


def brute_force_identities(world: Path) -> list[tuple[int, set[str], set[str], set[str]]]:
    """(person, email keys, phone keys, rule keys) per identity, in plain Python.

    An independent reading of the same definitions, small enough to pair everything.
    """
    truth = pd.read_parquet(world / "truth" / "records.parquet")
    person_of = {
        (source, entity, record_id): person
        for source, entity, record_id, person in truth[
            ["source", "entity", "record_id", "person_id"]
        ].itertuples(index=False)
    }
    evidence: dict[tuple[str, str], list] = {}

    def add(identity, person, email, *phones):
        _, emails, phone_keys = evidence.setdefault(identity, [person, set(), set()])
        email = (email or "").strip().lower()
        if email:
            emails.add(email)
        phone_keys.update(key for key in map(python_phone_key, phones) if key)

    contacts = pd.read_parquet(world / "sandbox" / "hubspot_contacts.parquet")
    for row in contacts.itertuples(index=False):
        person = person_of[("hubspot", "contacts", row.id)]
        add(("hubspot", row.id), person, row.email, row.phone, row.mobilephone)
    users = pd.read_parquet(world / "sandbox" / "hotmart_sales_users.parquet")
    for row in users[users["role"] == "BUYER"].itertuples(index=False):
        person = person_of[("hotmart", "sales", row.transaction)]
        add(("hotmart", row.ucode), person, row.email, row.cellphone, row.phone)
    exports = (world / "input" / "manychat").iterdir()
    for path in sorted(path for path in exports if path.suffix in SUFFIXES):
        for row in parse_csv(path.read_bytes(), HEADER_MAP, ("subscriber_id",)).rows:
            subscriber_id = row.values["subscriber_id"]
            if subscriber_id.isdigit():  # what the importer loads
                person = person_of[("manychat", "subscribers", subscriber_id)]
                values = row.values
                add(
                    ("manychat", subscriber_id),
                    person,
                    values.get("email"),
                    values.get("phone"),
                    values.get("whatsapp_phone"),
                )
    identities = []
    for (source, code), (person, emails, phones) in evidence.items():
        valid = {email for email in emails if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", email)}
        rule_keys = {f"e:{email}" for email in valid} | {f"p:{phone}" for phone in phones}
        if source == "hotmart":
            rule_keys.add(f"b:{code}")
        identities.append((person, emails, phones, rule_keys))
    return identities


def python_phone_key(raw: str | None) -> str | None:
    digits = re.sub(r"\D", "", raw or "").lstrip("0")
    if len(digits) in (12, 13) and digits.startswith("55") and digits[2] != "0":
        digits = digits[2:]
    elif len(digits) not in (10, 11):
        return None
    return digits[:2] + digits[-8:]


def test_generated_world_figures_match_a_brute_force_count(generated_world):
    report = realism_report(generated_world)
    identities = brute_force_identities(generated_world)
    by_person: dict[int, list[int]] = {}
    for index, (person, *_) in enumerate(identities):
        by_person.setdefault(person, []).append(index)
    classes = dict.fromkeys(EVIDENCE_CLASSES, 0)
    true_pairs = set()
    for members in by_person.values():
        for first, second in itertools.combinations(members, 2):
            email = bool(identities[first][1] & identities[second][1])
            phone = bool(identities[first][2] & identities[second][2])
            name = {
                (True, True): "email and phone",
                (False, True): "phone only",
                (True, False): "email only",
                (False, False): "neither",
            }[(email, phone)]
            classes[name] += 1
            true_pairs.add((first, second))
    graph = networkx.Graph()
    graph.add_nodes_from(range(len(identities)))
    graph.add_edges_from(
        (index, key) for index, (*_, keys) in enumerate(identities) for key in keys
    )
    predicted = set()
    for component in networkx.connected_components(graph):
        members = sorted(node for node in component if isinstance(node, int))
        predicted.update(itertools.combinations(members, 2))

    assert sum(report.identities.values()) == len(identities)
    assert report.true_pairs == classes
    assert report.rule.true_pairs == len(true_pairs)
    assert report.rule.predicted_pairs == len(predicted)
    assert report.rule.true_positive_pairs == len(predicted & true_pairs)


def test_command_prints_the_report_and_json(generated_world):
    command = [sys.executable, "-m", "crm_elt.fakedata.stats", str(generated_world)]
    text = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    figures = json.loads(
        subprocess.run([*command, "--json"], capture_output=True, text=True, check=True).stdout
    )

    for heading in ("Most common surnames", "in all 3", "phone only", "Purchases per Hotmart"):
        assert heading in text
    assert f"{figures['rule']['precision']:.4f}" in text
    assert figures["persons"] == len(pd.read_parquet(generated_world / "truth" / "persons.parquet"))
