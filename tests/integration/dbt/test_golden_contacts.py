"""The golden contact through dbt build: clusters across sources, stable ids, redirects."""

from __future__ import annotations

from datetime import datetime

import duckdb

from crm_elt.dbt_runner import build
from crm_elt.warehouse import RawRecord, open_warehouse
from crm_elt.warehouse import write_records as write
from tests.conftest import log_every_source


def contact(record_id: str, created: str, **properties) -> RawRecord:
    payload = {
        "id": record_id,
        "properties": {"createdate": created, "lastmodifieddate": created, **properties},
        "archived": False,
    }
    return RawRecord(record_id, datetime.fromisoformat(created[:19]), payload)


def sale(transaction: str, ordered_ms: int, buyer: dict) -> tuple[RawRecord, RawRecord]:
    history = {
        "buyer": {"ucode": buyer["ucode"], "name": buyer["name"]},
        "purchase": {"transaction": transaction, "order_date": ordered_ms, "status": "APPROVED"},
    }
    users = {"transaction": transaction, "users": [{"role": "BUYER", "user": buyer}]}
    modified = datetime(2026, 1, 1)
    return RawRecord(transaction, modified, history), RawRecord(transaction, modified, users)


def load(settings, load_id: str, contacts=(), sales=()) -> None:
    with open_warehouse(settings) as con:
        if contacts:
            write(con, source="hubspot", entity="contacts", records=list(contacts), load_id=load_id)
        for history, users in sales:
            write(con, source="hotmart", entity="sales", records=[history], load_id=load_id)
            write(con, source="hotmart", entity="sales_users", records=[users], load_id=load_id)
        log_every_source(con, load_id)


def query(settings, sql: str) -> list[tuple]:
    with duckdb.connect(str(settings.warehouse_path), read_only=True) as con:
        return con.execute(sql).fetchall()


def golden_of(settings) -> dict[str, str]:
    return dict(query(settings, "select identity_id, golden_contact_id from marts.contact_lineage"))


def test_golden_ids_survive_reruns_new_members_and_merges(settings):
    # Ana in HubSpot (2024) and as a Hotmart buyer (2025) with the same email; Bia alone.
    load(
        settings,
        "l1",
        contacts=[
            contact(
                "1",
                "2024-01-05T10:00:00.000Z",
                firstname="Ana",
                lastname="Lima",
                email="ana.lima@gmail.com",
                state="SP",
            ),
            contact(
                "2",
                "2024-03-01T10:00:00.000Z",
                firstname="Bia",
                lastname="Souza",
                mobilephone="(21) 99876-5432",
                state="RJ",
            ),
        ],
        sales=[
            sale(
                "HP1",
                1_735_700_000_000,
                {"ucode": "U1", "name": "ANA LIMA", "email": "analima+cursos@gmail.com"},
            ),
        ],
    )
    build(settings)
    first = golden_of(settings)
    assert first["hubspot:1"] == first["hotmart:U1"] != first["hubspot:2"]
    assert query(settings, "select count(*) from marts.dim_contacts") == [(2,)]
    lineage = query(
        settings,
        "select linked_by_rules from marts.contact_lineage where identity_id = 'hotmart:U1'",
    )
    assert lineage == [(["same_email"],)]
    survived = query(
        settings,
        "select full_name, email, email_from, sources from marts.dim_contacts "
        f"where golden_contact_id = '{first['hubspot:1']}'",
    )
    # Hotmart wins the name and email (source priority), HubSpot is still in its sources.
    assert survived == [
        ("ANA LIMA", "analima+cursos@gmail.com", "hotmart:U1", ["hotmart", "hubspot"])
    ]

    build(settings)  # nothing changed: nothing moves
    assert golden_of(settings) == first

    # A third record carries Ana's email and the phone of contact 2, joining the clusters;
    # the older golden id (Ana's, first seen 2024-01) wins.
    load(
        settings,
        "l2",
        contacts=[
            contact(
                "3",
                "2025-06-01T10:00:00.000Z",
                firstname="Ana",
                lastname="Lima",
                email="ana.lima@gmail.com",
                mobilephone="+55 21 99876-5432",
                state="RJ",
            ),
        ],
    )
    # Bia's record is renamed "Ana Lima" in HubSpot (a merge of duplicates there), so the
    # phone's names agree.
    load(
        settings,
        "l3",
        contacts=[
            contact(
                "2",
                "2024-03-01T10:00:00.000Z",
                firstname="Ana",
                lastname="Lima",
                mobilephone="(21) 99876-5432",
                state="RJ",
                lastmodifieddate="2025-07-01T10:00:00.000Z",
            ),
        ],
    )
    build(settings)
    merged = golden_of(settings)
    assert len(set(merged.values())) == 1
    assert merged["hubspot:3"] == first["hubspot:1"]
    redirects = query(
        settings,
        "select retired_golden_contact_id, golden_contact_id from marts.golden_contact_redirects",
    )
    assert redirects == [(first["hubspot:2"], first["hubspot:1"])]
    registry = query(settings, "select count(*) from marts.golden_contact_registry")
    assert registry == [(4,)]


def test_a_contact_merged_away_in_hubspot_joins_its_survivor(settings):
    # Contact 10 was extracted; HubSpot then merged it into 11, which lists it in
    # hs_merged_object_ids, and no longer returns 10. Emails and surnames differ.
    carla = dict(firstname="Carla", lastname="Dias", email="carla.dias@gmail.com", state="MG")
    load(settings, "l1", contacts=[contact("10", "2024-02-01T10:00:00.000Z", **carla)])
    build(settings)
    first = golden_of(settings)

    survivor = dict(firstname="Carla", lastname="Mendes", email="carla@clinicamendes.com.br")
    merged_into = contact("11", "2024-05-01T10:00:00.000Z", hs_merged_object_ids="10", **survivor)
    load(settings, "l2", contacts=[merged_into])
    build(settings)
    golden = golden_of(settings)
    # One person, under the id the absorbed record had first.
    assert golden["hubspot:10"] == golden["hubspot:11"] == first["hubspot:10"]
    links = query(
        settings,
        "select identity_a, identity_b, rule, evidence, is_accepted from marts.contact_links",
    )
    assert links == [("hubspot:10", "hubspot:11", "hubspot_merge", "hubspot_merge:10", True)]
    assert query(settings, "select count(*) from marts.dim_contacts") == [(1,)]
