"""HubSpot search over a portal larger than the 10,000-result cap: operators, paging, cap."""

from __future__ import annotations

import pandas as pd
import pytest
import requests

from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS as CREDENTIALS

HUBSPOT_AUTH = {"Authorization": f"Bearer {CREDENTIALS.hubspot_access_token}"}
MIDDLE_MS = 1_700_000_000_000 + 6_000 * 60_000


def search(sandbox, body: dict) -> requests.Response:
    return requests.post(
        f"{sandbox.url}/hubspot/crm/v3/objects/contacts/search", json=body, headers=HUBSPOT_AUTH
    )


@pytest.mark.parametrize(
    ("search_filter", "expected"),
    [
        (
            {"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"},
            lambda frame: frame["lifecyclestage"] == "customer",
        ),
        (
            {"propertyName": "lifecyclestage", "operator": "NEQ", "value": "customer"},
            lambda frame: frame["lifecyclestage"] != "customer",
        ),
        (
            {"propertyName": "createdate", "operator": "LT", "value": str(MIDDLE_MS)},
            lambda frame: frame["created_at"] < MIDDLE_MS,
        ),
        (
            {"propertyName": "createdate", "operator": "GT", "value": str(MIDDLE_MS)},
            lambda frame: frame["created_at"] > MIDDLE_MS,
        ),
        (
            {
                "propertyName": "createdate",
                "operator": "BETWEEN",
                "value": str(MIDDLE_MS),
                "highValue": str(MIDDLE_MS + 100 * 60_000),
            },
            lambda frame: frame["created_at"].between(MIDDLE_MS, MIDDLE_MS + 100 * 60_000),
        ),
        (
            {
                "propertyName": "email",
                "operator": "IN",
                "values": ["person5@example.org", "person7@example.org", "nobody@x.org"],
            },
            lambda frame: frame["email"].isin(["person5@example.org", "person7@example.org"]),
        ),
        (
            {"propertyName": "lifecyclestage", "operator": "NOT_IN", "values": ["lead"]},
            lambda frame: frame["lifecyclestage"] != "lead",
        ),
        (
            {"propertyName": "phone", "operator": "NOT_HAS_PROPERTY"},
            lambda frame: frame["phone"].isna(),
        ),
        (
            {"propertyName": "phone", "operator": "HAS_PROPERTY"},
            lambda frame: frame["phone"].notna(),
        ),
        (
            {"propertyName": "email", "operator": "CONTAINS_TOKEN", "value": "person1234@*"},
            lambda frame: frame["email"].str.contains("person1234@", regex=False),
        ),
    ],
    ids=lambda value: value["operator"] if isinstance(value, dict) else "",
)
def test_hubspot_search_operator_totals_match_the_dataset(big_portal, search_filter, expected):
    sandbox, contacts = big_portal
    answer = search(sandbox, {"filterGroups": [{"filters": [search_filter]}], "limit": 1})
    assert answer.status_code == 200
    assert answer.json()["total"] == int(expected(contacts).sum())


def test_hubspot_search_ors_groups_and_ands_filters(big_portal):
    sandbox, contacts = big_portal
    customer = {"propertyName": "lifecyclestage", "operator": "EQ", "value": "customer"}
    no_phone = {"propertyName": "phone", "operator": "NOT_HAS_PROPERTY"}
    early = {"propertyName": "createdate", "operator": "LT", "value": str(MIDDLE_MS)}
    body = {"filterGroups": [{"filters": [customer, no_phone]}, {"filters": [early]}], "limit": 1}
    expected = ((contacts["lifecyclestage"] == "customer") & contacts["phone"].isna()) | (
        contacts["created_at"] < MIDDLE_MS
    )
    assert search(sandbox, body).json()["total"] == int(expected.sum())


def test_hubspot_search_pages_to_the_10000_cap_then_refuses(big_portal):
    sandbox, contacts = big_portal
    body = {
        "sorts": [{"propertyName": "hs_object_id", "direction": "DESCENDING"}],
        "properties": ["email"],
        "limit": 200,
    }
    seen: list[str] = []
    after = None
    while True:
        page = search(sandbox, {**body, "after": after} if after else body)
        if page.status_code != 200:
            break
        payload = page.json()
        assert payload["total"] == len(contacts)
        seen += [record["id"] for record in payload["results"]]
        after = payload["paging"]["next"]["after"]
    assert page.status_code == 400
    assert page.json()["status"] == "error"
    assert len(seen) == 10_000
    assert seen == [str(number) for number in range(len(contacts), len(contacts) - 10_000, -1)]
    assert pd.Series(seen).is_unique
