"""Emulator fixtures: a private writable emulator per test, and a portal past the search cap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_elt.dataset import sandbox_path
from crm_elt.sandbox import SandboxConfig, start_sandbox


@pytest.fixture
def writable_sandbox(small_dataset):
    with start_sandbox(small_dataset, config=SandboxConfig()) as running:
        yield running


BIG_PORTAL_CONTACTS = 12_000


@pytest.fixture(scope="module")
def big_portal(tmp_path_factory):
    """More contacts than search can reach (10,000), built directly in the dataset layout."""
    data_dir = tmp_path_factory.mktemp("big_portal")
    sandbox_dir = sandbox_path(data_dir, "")
    sandbox_dir.mkdir(parents=True)
    count = BIG_PORTAL_CONTACTS
    ids = np.arange(1, count + 1)
    created_ms = 1_700_000_000_000 + ids * 60_000
    updated_ms = created_ms + (ids % 97) * 3_600_000
    contacts = pd.DataFrame(
        {
            "id": ids.astype(str),
            "created_at": created_ms,
            "updated_at": updated_ms,
            "archived": False,
            "archived_at": pd.array([None] * count, dtype="Int64"),
            "hs_object_id": ids.astype(str),
            "createdate": _iso(created_ms),
            "lastmodifieddate": _iso(updated_ms),
            "email": [f"person{number}@example.org" for number in ids],
            "lifecyclestage": np.where(ids % 3 == 0, "customer", "lead"),
            # every tenth contact has no phone, to exercise (NOT_)HAS_PROPERTY
            "phone": [None if number % 10 == 0 else f"+5511{number:08d}" for number in ids],
        }
    )
    contacts.to_parquet(sandbox_path(data_dir, "hubspot_contacts.parquet"), index=False)
    with start_sandbox(data_dir) as running:
        yield running, contacts


def _iso(epoch_ms: np.ndarray) -> list[str]:
    stamps = pd.to_datetime(epoch_ms, unit="ms", utc=True)
    return [stamp.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z" for stamp in stamps]
