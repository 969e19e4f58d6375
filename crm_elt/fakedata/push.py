"""`generate_fake_data.py --push-hubspot`: create the generated companies, contacts and deals,
with their associations, through HubSpot's batch-create API (<= 100 per call), at the base URL
and token in settings (the emulator by default, a real portal when `.env` says so).

Requests go through the shared HTTP policy, so the ten-secondly budget is respected and 429s
are retried. Archived records are not pushed. HubSpot sets ids, creation and modification
dates itself, so those columns are left out and new ids are mapped from the old ones.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pandas as pd

from crm_elt.dataset import HUBSPOT_RECORD_COLUMNS, sandbox_path
from crm_elt.settings import Settings
from crm_elt.sources.hubspot import make_client

logger = logging.getLogger("crm_elt.fakedata.push")

BATCH_SIZE = 100
READ_ONLY_PROPERTIES = {
    "hs_object_id",
    "createdate",
    "lastmodifieddate",
    "hs_lastmodifieddate",
    "hs_merged_object_ids",
}
# (from, to) -> HubSpot-defined association type id
ASSOCIATION_TYPE = {
    ("contacts", "companies"): 279,
    ("deals", "contacts"): 3,
    ("deals", "companies"): 341,
}


def push_to_hubspot(settings: Settings, data_dir: Path) -> dict[str, int]:
    client = make_client(settings)
    associations = pd.read_parquet(sandbox_path(data_dir, "hubspot_associations.parquet"))
    new_ids: dict[str, dict[str, str]] = {}
    created: dict[str, int] = {}
    for object_type in ("companies", "contacts", "deals"):
        frame = pd.read_parquet(sandbox_path(data_dir, f"hubspot_{object_type}.parquet"))
        frame = frame[~frame["archived"].astype(bool)]
        links = associations[associations["from_type"] == object_type]
        links_by_source = {str(key): group for key, group in links.groupby("from_id")}
        new_ids[object_type] = {}
        for batch in _batches(frame):
            inputs = [
                _create_input(object_type, row, links_by_source.get(str(row["id"])), new_ids)
                for row in batch.to_dict("records")
            ]
            payload = client.post(
                f"/crm/v3/objects/{object_type}/batch/create", body={"inputs": inputs}
            )
            results = payload.get("results", [])
            by_trace = {result.get("objectWriteTraceId"): result["id"] for result in results}
            for position, old_id in enumerate(batch["id"]):
                new_id = by_trace.get(str(old_id)) or results[position]["id"]
                new_ids[object_type][str(old_id)] = str(new_id)
        created[object_type] = len(new_ids[object_type])
        logger.info("pushed %d %s", created[object_type], object_type)
    created["requests"] = client.requests_sent
    return created


def _batches(frame: pd.DataFrame) -> Iterator[pd.DataFrame]:
    for start in range(0, len(frame), BATCH_SIZE):
        yield frame.iloc[start : start + BATCH_SIZE]


def _create_input(object_type: str, row: dict, links: pd.DataFrame | None, new_ids) -> dict:
    properties = {
        name: value
        for name, value in row.items()
        if name not in HUBSPOT_RECORD_COLUMNS
        and name not in READ_ONLY_PROPERTIES
        and value is not None
        and not (isinstance(value, float) and pd.isna(value))
    }
    associations = []
    for link in links.itertuples() if links is not None else ():
        target = new_ids.get(link.to_type, {}).get(str(link.to_id))
        if target is None:
            continue  # the target was archived, so it was not pushed
        associations.append(
            {
                "to": {"id": target},
                "types": [
                    {
                        "associationCategory": "HUBSPOT_DEFINED",
                        "associationTypeId": ASSOCIATION_TYPE[(object_type, link.to_type)],
                    }
                ],
            }
        )
    item = {"properties": properties, "objectWriteTraceId": str(row["id"])}
    if associations:
        item["associations"] = associations
    return item
