"""The emulator's properties API writes and the checks HubSpot makes on values written."""

from __future__ import annotations

import requests

from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS

AUTH = {"Authorization": f"Bearer {SANDBOX_CREDENTIALS.hubspot_access_token}"}
SCORE = {
    "name": "crm_score",
    "label": "Score",
    "type": "number",
    "fieldType": "number",
    "groupName": "crm_group",
}


def call(sandbox, method: str, path: str, body=None) -> requests.Response:
    return requests.request(
        method, f"{sandbox.url}/hubspot{path}", json=body, headers=AUTH, timeout=10
    )


def first_contact_ids(sandbox, count: int) -> list[str]:
    answer = call(sandbox, "GET", f"/crm/v3/objects/contacts?limit={count}")
    return [item["id"] for item in answer.json()["results"]]


def test_a_property_needs_an_existing_group_and_its_name_is_unique(writable_sandbox):
    sandbox = writable_sandbox
    assert call(sandbox, "POST", "/crm/v3/properties/contacts", SCORE).status_code == 400
    group = call(
        sandbox, "POST", "/crm/v3/properties/contacts/groups", {"name": "crm_group", "label": "CRM"}
    )
    assert group.status_code == 201 and group.json()["name"] == "crm_group"
    groups = call(sandbox, "GET", "/crm/v3/properties/contacts/groups").json()["results"]
    assert "crm_group" in {item["name"] for item in groups}

    created = call(sandbox, "POST", "/crm/v3/properties/contacts", SCORE)
    assert created.status_code == 201
    assert created.json()["hubspotDefined"] is False and created.json()["type"] == "number"
    again = call(sandbox, "POST", "/crm/v3/properties/contacts", SCORE)
    assert again.status_code == 409 and again.json()["category"] == "OBJECT_ALREADY_EXISTS"
    listed = call(sandbox, "GET", "/crm/v3/properties/contacts").json()["results"]
    assert [item["name"] for item in listed].count("crm_score") == 1

    wrong = {**SCORE, "name": "crm_other", "fieldType": "checkbox"}
    assert call(sandbox, "POST", "/crm/v3/properties/contacts", wrong).status_code == 400


def test_batch_update_refuses_unknown_properties_bad_numbers_and_missing_ids_whole(
    writable_sandbox,
):
    sandbox = writable_sandbox
    call(sandbox, "POST", "/crm/v3/properties/contacts/groups", {"name": "crm_group", "label": "C"})
    call(sandbox, "POST", "/crm/v3/properties/contacts", SCORE)
    first, second = first_contact_ids(sandbox, 2)

    unknown = call(
        sandbox,
        "POST",
        "/crm/v3/objects/contacts/batch/update",
        {"inputs": [{"id": first, "properties": {"no_such_property": "x"}}]},
    )
    assert unknown.status_code == 400 and "PROPERTY_DOESNT_EXIST" in unknown.json()["message"]
    not_a_number = call(
        sandbox, "PATCH", f"/crm/v3/objects/contacts/{first}", {"properties": {"crm_score": "abc"}}
    )
    assert not_a_number.status_code == 400 and "INVALID_FLOAT" in not_a_number.json()["message"]

    missing = call(
        sandbox,
        "POST",
        "/crm/v3/objects/contacts/batch/update",
        {
            "inputs": [
                {"id": first, "properties": {"crm_score": "1.5"}},
                {"id": "999999999", "properties": {"crm_score": "2"}},
            ]
        },
    )
    assert missing.status_code == 404
    read = call(sandbox, "GET", f"/crm/v3/objects/contacts/{first}?properties=crm_score")
    assert read.json()["properties"].get("crm_score") is None  # nothing of the batch applied

    done = call(
        sandbox,
        "POST",
        "/crm/v3/objects/contacts/batch/update",
        {
            "inputs": [
                {"id": contact, "properties": {"crm_score": "7"}} for contact in (first, second)
            ]
        },
    )
    assert done.status_code == 200
    assert {item["properties"]["crm_score"] for item in done.json()["results"]} == {"7"}
