"""A warehouse built by dbt from the small generated world, extracted from the emulators over
HTTP, with a remarketing batch of real golden contacts (until `marts.remarketing_batch` is
built by dbt on main, the fixture makes it: 50 contacts, some with a ManyChat subscriber id,
some to be found by WhatsApp or email, two hostile names)."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

import pytest

from crm_elt.dbt_runner import build
from crm_elt.sandbox import start_sandbox
from crm_elt.sources import hotmart, hubspot, manychat, marketing_spend
from crm_elt.warehouse import new_load_id, open_warehouse
from tests.conftest import make_settings, sandbox_settings

BATCH_DATE = date(2026, 11, 1)
HOSTILE_NAMES = ('=HYPERLINK("http://evil.example","clique")', 'Zé "Aspas"\nnova linha 😀; -1')
WITH_SUBSCRIBER_ID = 30
FOUND_BY_LOOKUP = 5  # of those, the id is dropped: the push must find them by WhatsApp/email


def make_batch(con) -> None:
    con.execute(
        f"""
        create table marts.remarketing_batch as
        with subscribers as (
            select golden_contact_id, min(source_record_id) as manychat_subscriber_id
            from marts.contact_lineage where source = 'manychat' group by golden_contact_id
        ),
        reachable as (
            select contact.*, subscribers.manychat_subscriber_id
            from marts.dim_contacts as contact
            left join subscribers using (golden_contact_id)
            where contact.whatsapp_phone is not null or contact.email is not null
        ),
        picked as (
            (select * from reachable where manychat_subscriber_id is not null
             order by golden_contact_id limit {WITH_SUBSCRIBER_ID})
            union all
            (select * from reachable where manychat_subscriber_id is null
             order by golden_contact_id limit {50 - WITH_SUBSCRIBER_ID})
        )
        select
            DATE '{BATCH_DATE}' as run_date,
            (row_number() over (order by manychat_subscriber_id nulls last, golden_contact_id))
                ::integer as priority_rank,
            golden_contact_id, full_name, whatsapp_phone, email, manychat_subscriber_id,
            case when hash(golden_contact_id) % 3 = 0 then 'estetica, ilpi' end as audiences,
            (hash(golden_contact_id) % 100000 / 100.0)::decimal(18, 2) as net_ltv_brl,
            'no purchase in the last 30 days' as why_selected
        from picked
        """
    )
    con.execute(
        f"""
        update marts.remarketing_batch set manychat_subscriber_id = null
        where priority_rank between {WITH_SUBSCRIBER_ID - FOUND_BY_LOOKUP + 1}
            and {WITH_SUBSCRIBER_ID}
        """
    )
    for rank, name in enumerate(HOSTILE_NAMES, start=1):
        con.execute(
            "update marts.remarketing_batch set full_name = ? where priority_rank = ?",
            [name, rank],
        )


@pytest.fixture(scope="session")
def built_warehouse(small_dataset, tmp_path_factory) -> Path:
    data_dir = tmp_path_factory.mktemp("delivery") / "data"
    shutil.copytree(small_dataset / "input", data_dir / "input")
    with start_sandbox(small_dataset) as sandbox:
        settings = sandbox_settings(data_dir, sandbox.url, MANYCHAT_ENRICH="off")
        for source in (hubspot, hotmart, manychat, marketing_spend):
            source.extract(settings, load_id=new_load_id())
    build(settings)
    with open_warehouse(settings) as con:
        make_batch(con)
    return settings.warehouse_path


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
