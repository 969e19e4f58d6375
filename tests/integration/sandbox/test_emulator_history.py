"""propertiesWithHistory: versions derived from the dataset, one more per change made through
PATCH, batch/update, merge or the control API's touch (newest first), and its page limits."""

from __future__ import annotations

from datetime import UTC, datetime

import requests

from crm_elt.sandbox import SandboxConfig, start_sandbox
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS as CREDENTIALS

AUTH = {"Authorization": f"Bearer {CREDENTIALS.hubspot_access_token}"}
API_SOURCE_TYPE = "INTEGRATION"


def contacts_url(sandbox) -> str:
    return f"{sandbox.url}/hubspot/crm/v3/objects/contacts"


def read(sandbox, contact_id: str, history: str) -> dict:
    response = requests.get(
        f"{contacts_url(sandbox)}/{contact_id}",
        params={"propertiesWithHistory": history, "properties": history},
        headers=AUTH,
    )
    assert response.status_code == 200
    return response.json()


def iso(epoch_ms: int) -> str:
    moment = datetime.fromtimestamp(epoch_ms / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def edited_contact(sandbox) -> dict:
    """A dataset contact modified after its creation, with an email and without a phone."""
    page = requests.get(
        contacts_url(sandbox),
        params={"limit": 100, "properties": "email,phone,createdate,lastmodifieddate"},
        headers=AUTH,
    ).json()["results"]
    return next(
        record
        for record in page
        if record["updatedAt"] > record["createdAt"]
        and record["properties"]["email"]
        and not record["properties"].get("phone")
    )


def test_dataset_history_is_each_value_at_creation_and_the_last_modification(writable_sandbox):
    contact = edited_contact(writable_sandbox)
    created_at, updated_at = contact["createdAt"], contact["updatedAt"]
    names = "email,phone,createdate,lastmodifieddate,hs_object_id,no_such_property"

    history = read(writable_sandbox, contact["id"], names)["propertiesWithHistory"]

    assert set(history) == {"email", "phone", "createdate", "lastmodifieddate", "hs_object_id"}
    assert history["email"] == [
        {"value": contact["properties"]["email"], "timestamp": created_at, "sourceType": "CRM_UI"}
    ]
    assert history["phone"] == []
    assert history["hs_object_id"] == [
        {"value": contact["id"], "timestamp": created_at, "sourceType": "CRM_UI"}
    ]
    assert history["lastmodifieddate"] == [
        {"value": updated_at, "timestamp": updated_at, "sourceType": "CRM_UI"},
        {
            "value": contact["properties"]["createdate"],
            "timestamp": created_at,
            "sourceType": "CRM_UI",
        },
    ]


def test_patch_adds_a_version_per_change_newest_first(writable_sandbox):
    contact = edited_contact(writable_sandbox)
    url = f"{contacts_url(writable_sandbox)}/{contact['id']}"
    answers = [
        requests.patch(url, json={"properties": {"email": email}}, headers=AUTH)
        for email in ("first@example.org", "second@example.org", "second@example.org")
    ]
    assert [answer.status_code for answer in answers] == [200, 200, 200]
    assert answers[1].json()["properties"]["email"] == "second@example.org"

    record = read(writable_sandbox, contact["id"], "email,lastmodifieddate")
    emails = record["propertiesWithHistory"]["email"]
    modified = record["propertiesWithHistory"]["lastmodifieddate"]

    assert [version["value"] for version in emails] == [
        "second@example.org",
        "first@example.org",
        contact["properties"]["email"],
    ]
    assert emails[0]["sourceType"] == emails[1]["sourceType"] == API_SOURCE_TYPE
    assert emails[0]["sourceId"] == emails[1]["sourceId"]
    assert emails[2]["sourceType"] == "CRM_UI"
    timestamps = [version["timestamp"] for version in emails]
    assert timestamps == sorted(timestamps, reverse=True)
    # Repeating a value adds no email version, but the record was still written.
    assert len(modified) == 3 + 2
    assert modified[0]["value"] == modified[0]["timestamp"] == record["updatedAt"]
    assert record["properties"]["lastmodifieddate"] == record["updatedAt"]
    assert [version["value"] for version in modified[-2:]] == [
        contact["updatedAt"],
        contact["properties"]["createdate"],
    ]


def test_patch_of_a_missing_or_archived_record_is_404(writable_sandbox):
    url = contacts_url(writable_sandbox)
    archived = requests.get(url, params={"archived": "true", "limit": 1}, headers=AUTH).json()[
        "results"
    ][0]["id"]
    for record_id in ("999999999", archived):
        response = requests.patch(
            f"{url}/{record_id}", json={"properties": {"email": "a@b.c"}}, headers=AUTH
        )
        assert response.status_code == 404
        assert response.json()["category"] == "OBJECT_NOT_FOUND"


def test_batch_update_versions_show_in_batch_read_and_list(writable_sandbox):
    url = contacts_url(writable_sandbox)
    first, second = (
        record["id"]
        for record in requests.get(url, params={"limit": 2}, headers=AUTH).json()["results"]
    )
    updated = requests.post(
        f"{url}/batch/update",
        json={
            "inputs": [
                {"id": first, "properties": {"lifecyclestage": "customer", "city": "Recife"}},
                {"id": second, "properties": {"lifecyclestage": "evangelist"}},
            ]
        },
        headers=AUTH,
    )
    assert updated.status_code == 200

    batch = requests.post(
        f"{url}/batch/read",
        json={
            "inputs": [{"id": first}, {"id": second}],
            "properties": ["lifecyclestage"],
            "propertiesWithHistory": ["lifecyclestage", "city"],
        },
        headers=AUTH,
    ).json()["results"]
    listed = requests.get(
        url, params={"limit": 2, "propertiesWithHistory": "lifecyclestage,city"}, headers=AUTH
    ).json()["results"]

    by_id = {record["id"]: record["propertiesWithHistory"] for record in batch}
    assert by_id == {record["id"]: record["propertiesWithHistory"] for record in listed}
    assert by_id[first]["lifecyclestage"][0]["value"] == "customer"
    assert by_id[first]["city"][0]["value"] == "Recife"
    assert by_id[second]["lifecyclestage"][0]["value"] == "evangelist"
    assert len(by_id[second]["city"]) <= 1  # untouched: the dataset's value, if any


def test_touch_with_properties_records_a_user_edit_at_the_given_time(writable_sandbox):
    moment_ms = 1_790_000_000_123
    touched = requests.post(
        f"{writable_sandbox.url}/_sandbox/hubspot/touch",
        json={
            "object_type": "contacts",
            "count": 2,
            "updated_at_ms": moment_ms,
            "properties": {"firstname": "Touched"},
        },
    ).json()["ids"]
    assert len(touched) == 2
    for contact_id in touched:
        record = read(writable_sandbox, contact_id, "firstname,lastmodifieddate")
        edited, modified = (
            record["propertiesWithHistory"][name][0] for name in ("firstname", "lastmodifieddate")
        )
        assert record["updatedAt"] == iso(moment_ms)
        assert record["properties"]["firstname"] == "Touched"
        assert edited["value"] == "Touched"
        assert edited["timestamp"] == modified["timestamp"] == modified["value"] == iso(moment_ms)
        assert edited["sourceType"] == "CRM_UI"
        assert isinstance(edited["updatedByUserId"], int)
        assert edited["sourceId"] == f"userId:{edited['updatedByUserId']}"


def test_records_created_through_the_api_have_api_sourced_history(writable_sandbox):
    url = contacts_url(writable_sandbox)
    created = requests.post(
        f"{url}/batch/create",
        json={
            "inputs": [{"properties": {"email": "fresh@example.org"}, "objectWriteTraceId": "t1"}]
        },
        headers=AUTH,
    ).json()["results"][0]
    assert created["objectWriteTraceId"] == "t1"
    history = read(writable_sandbox, created["id"], "email,lastmodifieddate")[
        "propertiesWithHistory"
    ]
    assert history["email"] == [
        {
            "value": "fresh@example.org",
            "timestamp": created["createdAt"],
            "sourceType": API_SOURCE_TYPE,
            "sourceId": history["email"][0]["sourceId"],
        }
    ]
    assert [version["value"] for version in history["lastmodifieddate"]] == [created["createdAt"]]


def test_merge_adds_a_version_of_hs_merged_object_ids(writable_sandbox):
    url = contacts_url(writable_sandbox)
    primary, absorbed = (
        record["id"]
        for record in requests.get(url, params={"limit": 2}, headers=AUTH).json()["results"]
    )
    before = read(writable_sandbox, primary, "hs_merged_object_ids")["propertiesWithHistory"]
    merged = requests.post(
        f"{url}/merge",
        json={"primaryObjectId": primary, "objectIdToMerge": absorbed},
        headers=AUTH,
    )
    assert merged.status_code == 200
    after = read(writable_sandbox, primary, "hs_merged_object_ids")["propertiesWithHistory"]
    versions = after["hs_merged_object_ids"]
    assert versions[0]["value"].split(";")[-1] == absorbed
    assert versions[1:] == before["hs_merged_object_ids"]


def test_history_lowers_the_batch_read_max_to_50(writable_sandbox):
    url = contacts_url(writable_sandbox)
    ids = [
        record["id"]
        for record in requests.get(url, params={"limit": 51}, headers=AUTH).json()["results"]
    ]
    inputs = [{"id": record_id} for record_id in ids]
    plain = requests.post(f"{url}/batch/read", json={"inputs": inputs}, headers=AUTH)
    with_history = requests.post(
        f"{url}/batch/read",
        json={"inputs": inputs, "propertiesWithHistory": ["email"]},
        headers=AUTH,
    )
    just_enough = requests.post(
        f"{url}/batch/read",
        json={"inputs": inputs[:50], "propertiesWithHistory": ["email"]},
        headers=AUTH,
    )
    assert len(ids) == 51
    assert plain.status_code == 200
    assert with_history.status_code == 400
    assert with_history.json()["category"] == "VALIDATION_ERROR"
    assert just_enough.status_code == 200
    assert len(just_enough.json()["results"]) == 50


def test_history_page_max_is_configurable(small_dataset):
    with start_sandbox(small_dataset, config=SandboxConfig(hubspot_history_page_max=20)) as sb:
        url = contacts_url(sb)
        with_history = requests.get(
            url, params={"limit": 21, "propertiesWithHistory": "email"}, headers=AUTH
        )
        at_max = requests.get(
            url, params={"limit": 20, "propertiesWithHistory": "email"}, headers=AUTH
        )
        plain = requests.get(url, params={"limit": 21}, headers=AUTH)
    assert with_history.status_code == 400
    assert at_max.status_code == 200 and len(at_max.json()["results"]) == 20
    assert plain.status_code == 200


def test_api_write_source_type_is_configurable(small_dataset):
    config = SandboxConfig(hubspot_api_write_source_type="API")
    with start_sandbox(small_dataset, config=config) as sb:
        contact = edited_contact(sb)
        requests.patch(
            f"{contacts_url(sb)}/{contact['id']}",
            json={"properties": {"firstname": "Renamed"}},
            headers=AUTH,
        ).raise_for_status()
        versions = read(sb, contact["id"], "firstname")["propertiesWithHistory"]["firstname"]
    assert versions[0]["value"] == "Renamed"
    assert versions[0]["sourceType"] == "API"
