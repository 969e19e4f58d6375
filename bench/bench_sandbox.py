"""How fast the HubSpot emulator serves list pages and searches (prints figures; not a test).

    .venv/bin/python bench/bench_sandbox.py [--contacts 100000] [--pages 300]

Builds a synthetic contacts table following crm_elt/dataset.py with numpy (no generator),
serves it in-process and pages with one keep-alive session, like the extractor does.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd
import requests

from crm_elt.dataset import sandbox_path
from crm_elt.sandbox import start_sandbox
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS

AUTH = {"Authorization": f"Bearer {SANDBOX_CREDENTIALS.hubspot_access_token}"}


def write_contacts(data_dir: Path, count: int) -> None:
    rng = np.random.default_rng(7)
    ids = np.arange(1, count + 1) * 3
    created = 1_700_000_000_000 + rng.integers(0, 10**10, count)
    iso = pd.to_datetime(created, unit="ms", utc=True).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    frame = pd.DataFrame(
        {
            "id": ids.astype(str),
            "created_at": created,
            "updated_at": created,
            "archived": rng.random(count) < 0.01,
            "archived_at": np.where(rng.random(count) < 0.01, created, 0),
            "hs_object_id": ids.astype(str),
            "createdate": iso,
            "lastmodifieddate": iso,
            "email": [f"person{number}@example.org" for number in ids],
            "firstname": "Ana",
            "lastname": "Souza",
            "phone": "+5511999990000",
        }
    )
    path = sandbox_path(data_dir, "hubspot_contacts.parquet")
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(path)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--pages", type=int, default=300)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        started = time.perf_counter()
        write_contacts(Path(folder), args.contacts)
        with start_sandbox(Path(folder)) as sandbox:
            print(f"dataset + load: {time.perf_counter() - started:.1f} s")
            session = requests.Session()
            url = f"{sandbox.url}/hubspot/crm/v3/objects/contacts"
            params = {"limit": 100, "properties": "email,firstname,lastname,phone,createdate"}
            received, after, started = 0, None, time.perf_counter()
            for _ in range(args.pages):
                body = session.get(
                    url, params={**params, **({"after": after} if after else {})}, headers=AUTH
                ).json()
                received += len(body["results"])
                after = body.get("paging", {}).get("next", {}).get("after")
                if after is None:
                    break
            elapsed = time.perf_counter() - started
            print(
                f"list: {received} records in {elapsed:.2f} s = {received / elapsed:,.0f} "
                f"records/s, {1000 * elapsed / max(received // 100, 1):.1f} ms/page"
            )
            started = time.perf_counter()
            body = session.post(
                f"{url}/search",
                json={
                    "filterGroups": [
                        {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}
                    ],
                    "sorts": [{"propertyName": "lastmodifieddate", "direction": "ASCENDING"}],
                    "limit": 200,
                },
                headers=AUTH,
            ).json()
            print(f"search over {body['total']:,}: {1000 * (time.perf_counter() - started):.0f} ms")


if __name__ == "__main__":
    main()
