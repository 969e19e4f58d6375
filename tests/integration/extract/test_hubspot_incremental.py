"""HubSpot incremental runs: changes, deletes, merges, and the 10,000-result search cap."""

from __future__ import annotations

import shutil

import pandas as pd
import requests

from crm_elt.dataset import sandbox_path
from crm_elt.sandbox import start_sandbox
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS
from crm_elt.sources import hubspot
from crm_elt.warehouse import get_cursor, new_load_id, open_warehouse
from tests.conftest import generate_dataset, sandbox_settings
from tests.integration.extract.test_reliability import FAST_RETRY

AUTH = {"Authorization": f"Bearer {SANDBOX_CREDENTIALS.hubspot_access_token}"}
OPTIONS = hubspot.HubSpotOptions(retry=FAST_RETRY, search_per_second=50, ten_second_budget=5000)


def run(settings, streams=("contacts", "contacts_archived")):
    return hubspot.extract(settings, load_id=new_load_id(), streams=streams, options=OPTIONS)


def current_contacts(settings) -> pd.DataFrame:
    with open_warehouse(settings, read_only=True) as con:
        return (
            con.execute(
                """
            select record_key, record ->> '$.properties.email' as email,
                (record ->> 'archived')::boolean as archived,
                record ->> '$.properties.hs_merged_object_ids' as merged_ids
            from raw_hubspot.contacts
            qualify row_number() over (
                partition by record_key order by modified_at desc, _extracted_at desc) = 1
            """
            )
            .df()
            .set_index("record_key")
        )


def test_incremental_run_picks_up_changes_deletes_and_merges(small_dataset, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(small_dataset / "sandbox", data_dir / "sandbox")
    with start_sandbox(data_dir) as sandbox:
        settings = sandbox_settings(data_dir, sandbox.url)
        run(settings)
        with open_warehouse(settings) as con:
            assert get_cursor(con, "hubspot", "contacts")["mode"] == "incremental"
        live = current_contacts(settings)
        live_ids = sorted(live[~live["archived"]].index, key=int)
        changed, deleted, survivor, absorbed = live_ids[:4]
        base = f"{sandbox.url}/hubspot/crm/v3/objects/contacts"
        update = {"inputs": [{"id": changed, "properties": {"email": "novo@example.com"}}]}
        assert requests.post(f"{base}/batch/update", json=update, headers=AUTH).ok
        assert requests.delete(f"{base}/{deleted}", headers=AUTH).status_code == 204
        merge = {"primaryObjectId": survivor, "objectIdToMerge": absorbed}
        assert requests.post(f"{base}/merge", json=merge, headers=AUTH).ok

        result = run(settings)

    contacts = current_contacts(settings)
    assert contacts.loc[changed, "email"] == "novo@example.com"
    assert bool(contacts.loc[deleted, "archived"]) is True
    assert absorbed in str(contacts.loc[survivor, "merged_ids"]).split(";")
    incremental = next(stream for stream in result.streams if stream.stream == "contacts")
    assert incremental.stats.received < len(live_ids)  # it searched, it did not re-list


def test_incremental_finds_every_change_past_the_search_cap(tmp_path):
    data_dir = generate_dataset(tmp_path / "data", contacts=10_400, seed=5)
    with start_sandbox(data_dir) as sandbox:
        settings = sandbox_settings(data_dir, sandbox.url)
        run(settings, streams=("contacts",))
        ids = pd.read_parquet(sandbox_path(data_dir, "hubspot_contacts.parquet"))
        ids = ids.loc[~ids["archived"].astype(bool), "id"].tolist()
        assert len(ids) > 10_000
        base = f"{sandbox.url}/hubspot/crm/v3/objects/contacts/batch/update"
        for start in range(0, len(ids), 100):
            batch = [
                {"id": record_id, "properties": {"hs_lead_status": "OPEN"}}
                for record_id in ids[start : start + 100]
            ]
            assert requests.post(base, json={"inputs": batch}, headers=AUTH).ok

        result = run(settings, streams=("contacts",))

    stream = result.streams[0]
    assert stream.outcome == "success"
    assert stream.stats.received == len(ids)
    assert stream.stats.inserted == len(ids)


def current_deal_contact_links(settings) -> dict[str, bool]:
    """Association key -> deleted, for the current version of every deal->contact link."""
    with open_warehouse(settings, read_only=True) as con:
        found = con.execute(
            """
            select record_key, coalesce((record ->> 'deleted')::boolean, false)
            from raw_hubspot.associations
            where record ->> 'from_type' = 'deals' and record ->> 'to_type' = 'contacts'
            qualify row_number() over (partition by record_key
                order by modified_at desc nulls last, _extracted_at desc, record_hash) = 1
            """
        ).fetchall()
    return dict(found)


def test_removed_associations_get_a_tombstone_and_restored_ones_come_back(small_dataset, tmp_path):
    data_dir = tmp_path / "data"
    shutil.copytree(small_dataset / "sandbox", data_dir / "sandbox")
    streams = ("contacts", "deals", "associations")
    with start_sandbox(data_dir) as sandbox:
        settings = sandbox_settings(data_dir, sandbox.url)
        run(settings, streams)
        before = current_deal_contact_links(settings)
        assert before and not any(before.values())
        removed = sorted(before)[:3]
        pairs = [key.removeprefix("deals:").split("->contacts:") for key in removed]
        base = f"{sandbox.url}/hubspot/crm/v4/associations/deals/contacts/batch"
        archive = {"inputs": [{"from": {"id": d}, "to": [{"id": c}]} for d, c in pairs]}
        assert requests.post(f"{base}/archive", json=archive, headers=AUTH).status_code == 204

        result = run(settings, streams)
        after = current_deal_contact_links(settings)
        assert sorted(key for key, deleted in after.items() if deleted) == removed
        assert result.streams[-1].outcome == "success"

        run(settings, streams)  # nothing changed: no new versions
        assert current_deal_contact_links(settings) == after

        deal, contact = pairs[0]
        links = [
            {
                "from": {"id": deal},
                "to": {"id": contact},
                "types": [{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 3}],
            }
        ]
        created = requests.post(f"{base}/create", json={"inputs": links}, headers=AUTH)
        assert created.ok, created.text
        run(settings, streams)

    restored = current_deal_contact_links(settings)
    assert sorted(key for key, deleted in restored.items() if deleted) == removed[1:]
    assert set(restored) == set(before)
