"""`generate_fake_data.py --push-hubspot` seeds an (emulated) portal through the batch API."""

from __future__ import annotations

import pandas as pd
import requests

from crm_elt.dataset import sandbox_path
from crm_elt.fakedata.push import push_to_hubspot
from crm_elt.sandbox import start_sandbox
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS
from tests.conftest import sandbox_settings

AUTH = {"Authorization": f"Bearer {SANDBOX_CREDENTIALS.hubspot_access_token}"}


def all_records(url: str, object_type: str, associations: str = "") -> list[dict]:
    records, after = [], None
    while True:
        params = {"limit": 100, "properties": "email,name,dealname", "associations": associations}
        if after:
            params["after"] = after
        body = requests.get(
            f"{url}/hubspot/crm/v3/objects/{object_type}", params=params, headers=AUTH
        ).json()
        records += body["results"]
        if "paging" not in body:
            return records
        after = body["paging"]["next"]["after"]


def test_push_creates_every_live_record_with_its_associations(small_dataset, tmp_path):
    empty_portal = tmp_path / "portal"
    (empty_portal / "sandbox").mkdir(parents=True)
    with start_sandbox(empty_portal) as portal:
        settings = sandbox_settings(tmp_path / "data", portal.url)
        counts = push_to_hubspot(settings, small_dataset)
        contacts = all_records(portal.url, "contacts")
        deals = all_records(portal.url, "deals", associations="contacts,companies")
    for object_type, records in (("contacts", contacts), ("deals", deals)):
        frame = pd.read_parquet(sandbox_path(small_dataset, f"hubspot_{object_type}.parquet"))
        live = frame[~frame["archived"].astype(bool)]
        assert counts[object_type] == len(records) == len(live)
    generated = pd.read_parquet(sandbox_path(small_dataset, "hubspot_contacts.parquet"))
    assert sorted(filter(None, (c["properties"].get("email") for c in contacts))) == sorted(
        generated.loc[~generated["archived"].astype(bool), "email"].dropna()
    )
    assert sum("contacts" in deal.get("associations", {}) for deal in deals) >= 0.9 * len(deals)
    assert counts["requests"] >= len(contacts) // 100
