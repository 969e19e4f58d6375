"""A warehouse built by dbt (the real marts, the remarketing batch of BATCH_DATE included)
from the small generated world, extracted from the emulators over HTTP.

Hostile names are put into the world's source data before the build, so they travel through
staging, dim_contacts and the batch as a real one would. dim_contacts takes a name from
Hotmart first, and Hotmart names are cleaned of symbols (crm_elt/normalize/names.py): a
hostile name can only survive from HubSpot or ManyChat. So every person of the world with no
Hotmart record gets one on their HubSpot contacts and ManyChat subscribers; those with a high
net LTV from deals land in the batch. Each name holds one formula start and quotes, a line
break and emoji, so whichever lands checks all of them.

The push tests serve a later ManyChat: for a few batch contacts with no subscriber id, a
subscriber with their WhatsApp number or email joined after the build, so the push must find
them by lookup."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from crm_elt.dataset import sandbox_path
from crm_elt.dbt_runner import build
from crm_elt.sandbox import start_sandbox
from crm_elt.sources import hotmart, hubspot, manychat, marketing_spend
from crm_elt.warehouse import new_load_id
from tests.conftest import make_settings, sandbox_settings

BATCH_DATE = date(2026, 11, 1)
HOSTILE_NAMES = (
    '=HYPERLINK("http://evil.example";"clique 😀")',
    '+55 11 "Zé"\nnova linha 😀',
    '@SUM(A1) "Aspas"\nlinha 🌸',
    '-1+1 "Zé";\nlinha 😀',
)
JOINED_MANYCHAT_LATER = 5


def hostile_name_of(person_id: int) -> str:
    return HOSTILE_NAMES[person_id % len(HOSTILE_NAMES)]


def inject_hostile_names(world: Path) -> None:
    """Rename the HubSpot contacts and ManyChat subscribers of persons with no Hotmart record."""
    records = pd.read_parquet(world / "truth" / "records.parquet").dropna(subset=["person_id"])
    with_hotmart = set(records.loc[records["source"] == "hotmart", "person_id"])
    for entity, file, first, last in (
        ("contacts", "hubspot_contacts.parquet", "firstname", "lastname"),
        ("subscribers", "manychat_subscribers.parquet", "first_name", "last_name"),
    ):
        of_entity = records[records["entity"] == entity]
        of_entity = of_entity[~of_entity["person_id"].isin(with_hotmart)]
        person_of = dict(
            zip(of_entity["record_id"].astype(str), of_entity["person_id"], strict=True)
        )
        path = sandbox_path(world, file)
        frame = pd.read_parquet(path)
        persons = frame["id"].astype(str).map(person_of)
        hostile = persons.notna()
        frame.loc[hostile, first] = [hostile_name_of(int(person)) for person in persons[hostile]]
        frame.loc[hostile, last] = None
        if "name" in frame:
            frame.loc[hostile, "name"] = frame.loc[hostile, first]
        frame.to_parquet(path)


def add_later_subscribers(world: Path, batch: pd.DataFrame) -> None:
    """Subscribers who joined ManyChat after the build, with a batch contact's WhatsApp/email."""
    path = sandbox_path(world, "manychat_subscribers.parquet")
    subscribers = pd.read_parquet(path)
    newcomers = batch[batch["manychat_subscriber_id"].isna()].head(JOINED_MANYCHAT_LATER)
    rows = []
    for number, contact in enumerate(newcomers.itertuples()):
        row = subscribers.iloc[0].copy()
        row["id"] = str(9_100_000_000_000_000 + number)
        row["first_name"], row["last_name"], row["name"] = "Novo", "Inscrito", "Novo Inscrito"
        # Found by WhatsApp when the contact has one (the push tries it first), else by email.
        row["phone"] = contact.whatsapp_phone
        row["whatsapp_phone"] = contact.whatsapp_phone
        row["email"] = None if contact.whatsapp_phone else contact.email
        rows.append(row)
    pd.concat([subscribers, pd.DataFrame(rows)], ignore_index=True).to_parquet(path)


@pytest.fixture(scope="session")
def delivery_world(small_dataset, tmp_path_factory) -> Path:
    world = tmp_path_factory.mktemp("delivery_world") / "data"
    shutil.copytree(small_dataset, world)
    inject_hostile_names(world)
    return world


@pytest.fixture(scope="session")
def built_warehouse(delivery_world, tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("delivery") / "data"
    shutil.copytree(delivery_world / "input", data_dir / "input")
    with start_sandbox(delivery_world) as sandbox:
        settings = sandbox_settings(data_dir, sandbox.url, MANYCHAT_ENRICH="off")
        for source in (hubspot, hotmart, manychat, marketing_spend):
            source.extract(settings, load_id=new_load_id())
    build(settings, dbt_vars={"run_date": BATCH_DATE.isoformat()})
    return settings.warehouse_path


@pytest.fixture(scope="session")
def built_batch(built_warehouse) -> pd.DataFrame:
    with duckdb.connect(str(built_warehouse), read_only=True) as con:
        return con.execute("select * from marts.remarketing_batch order by priority_rank").df()


@pytest.fixture(scope="session")
def later_manychat_world(delivery_world, built_batch, tmp_path_factory) -> Path:
    world = tmp_path_factory.mktemp("later_manychat") / "data"
    shutil.copytree(delivery_world, world)
    add_later_subscribers(world, built_batch)
    return world


def delivery_settings(built_warehouse: Path, data_dir: Path, sandbox_url: str, **environ):
    """Settings over a private copy of the built warehouse, pointed at a running sandbox."""
    settings = sandbox_settings(data_dir, sandbox_url, **environ)
    settings.warehouse_path.parent.mkdir(parents=True)
    shutil.copy(built_warehouse, settings.warehouse_path)
    return settings


def offline_settings(built_warehouse: Path, data_dir: Path, **environ):
    settings = make_settings(data_dir, **environ)
    settings.warehouse_path.parent.mkdir(parents=True)
    shutil.copy(built_warehouse, settings.warehouse_path)
    return settings
