"""A client that discovers the schema before it reads works unchanged against the emulator.

Like a schema-discovering ELT tool: the properties of every standard HubSpot object type, then
a list of each type paged to the end with every discovered property, a search, a batch read,
associations (v3 and v4) between every pair of types, pipelines and owners; over real HTTP.
"""

from __future__ import annotations

import itertools

import pandas as pd
import pytest
import requests

from crm_elt.dataset import sandbox_path
from crm_elt.sandbox import start_sandbox
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS as CREDENTIALS

AUTH = {"Authorization": f"Bearer {CREDENTIALS.hubspot_access_token}"}
# Standard object types and their type ids (developers.hubspot.com "Using the object APIs"),
# each with a few of its own properties a discovering client expects to find.
STANDARD_TYPES = {
    "contacts": ("0-1", {"hs_object_id", "createdate", "lastmodifieddate", "email"}),
    "companies": ("0-2", {"hs_object_id", "createdate", "hs_lastmodifieddate", "name"}),
    "deals": ("0-3", {"hs_object_id", "createdate", "hs_lastmodifieddate", "dealstage"}),
    "tickets": (
        "0-5",
        {"hs_object_id", "createdate", "hs_lastmodifieddate", "subject", "hs_pipeline_stage"},
    ),
    "products": ("0-7", {"hs_object_id", "createdate", "hs_lastmodifieddate", "name", "price"}),
    "line_items": ("0-8", {"hs_object_id", "createdate", "quantity", "hs_product_id"}),
    "quotes": ("0-14", {"hs_object_id", "hs_createdate", "hs_lastmodifieddate", "hs_title"}),
    "calls": ("0-48", {"hs_object_id", "hs_createdate", "hs_timestamp", "hs_call_title"}),
    "emails": ("0-49", {"hs_object_id", "hs_createdate", "hs_email_subject"}),
    "meetings": ("0-47", {"hs_object_id", "hs_createdate", "hs_meeting_title"}),
    "notes": ("0-46", {"hs_object_id", "hs_createdate", "hs_note_body"}),
    "tasks": ("0-27", {"hs_object_id", "hs_createdate", "hs_task_subject", "hs_task_status"}),
    "communications": ("0-18", {"hs_object_id", "hs_createdate", "hs_communication_body"}),
    "postal_mail": ("0-116", {"hs_object_id", "hs_createdate", "hs_lastmodifieddate"}),
}
DATASET_TYPES = ("contacts", "companies", "deals")


@pytest.fixture(scope="module")
def sandbox(small_dataset):
    with start_sandbox(small_dataset) as running:
        yield running


def api(sandbox, path: str) -> str:
    return f"{sandbox.url}/hubspot{path}"


def live_ids(dataset, object_type: str) -> list[str]:
    if object_type not in DATASET_TYPES:
        return []
    frame = pd.read_parquet(sandbox_path(dataset, f"hubspot_{object_type}.parquet"))
    return sorted(frame.loc[~frame["archived"], "id"].astype(str), key=int)


def discover(sandbox) -> dict[str, list[str]]:
    """Property names per object type, as a discovering client learns them."""
    names = {}
    for object_type in STANDARD_TYPES:
        response = requests.get(api(sandbox, f"/crm/v3/properties/{object_type}"), headers=AUTH)
        assert response.status_code == 200, (object_type, response.text)
        names[object_type] = [item["name"] for item in response.json()["results"]]
    return names


def page_through(sandbox, object_type: str, properties: list[str]) -> list[dict]:
    records, after = [], None
    while True:
        params = {"limit": 100, "properties": ",".join(properties)}
        if after:
            params["after"] = after
        response = requests.get(
            api(sandbox, f"/crm/v3/objects/{object_type}"), params=params, headers=AUTH
        )
        assert response.status_code == 200, (object_type, response.text)
        body = response.json()
        records += body["results"]
        if "paging" not in body:
            return records
        after = body["paging"]["next"]["after"]


def test_properties_api_answers_every_standard_type_by_name_and_by_type_id(sandbox):
    for object_type, (type_id, expected) in STANDARD_TYPES.items():
        by_name = requests.get(api(sandbox, f"/crm/v3/properties/{object_type}"), headers=AUTH)
        by_id = requests.get(api(sandbox, f"/crm/v3/properties/{type_id}"), headers=AUTH)
        assert by_name.status_code == by_id.status_code == 200, object_type
        definitions = by_name.json()["results"]
        names = {item["name"] for item in definitions}
        assert expected <= names, (object_type, expected - names)
        assert names == {item["name"] for item in by_id.json()["results"]}
        for item in definitions:
            assert {"name", "label", "type", "fieldType", "groupName"} <= set(item), item


def test_discovering_client_lists_pages_searches_and_batch_reads_every_type(sandbox, small_dataset):
    properties = discover(sandbox)
    for object_type, (type_id, _) in STANDARD_TYPES.items():
        expected_ids = live_ids(small_dataset, object_type)
        records = page_through(sandbox, object_type, properties[object_type])
        assert [record["id"] for record in records] == expected_ids, object_type
        for record in records:
            assert set(record) >= {"id", "properties", "createdAt", "updatedAt", "archived"}
            assert set(record["properties"]) <= set(properties[object_type])
        by_type_id = requests.get(
            api(sandbox, f"/crm/v3/objects/{type_id}"), params={"limit": 5}, headers=AUTH
        ).json()
        assert [record["id"] for record in by_type_id["results"]] == expected_ids[:5]

        search = requests.post(
            api(sandbox, f"/crm/v3/objects/{object_type}/search"),
            json={"limit": 200, "properties": ["hs_object_id"]},
            headers=AUTH,
        )
        assert search.status_code == 200, (object_type, search.text)
        assert search.json()["total"] == len(expected_ids), object_type

        read = requests.post(
            api(sandbox, f"/crm/v3/objects/{object_type}/batch/read"),
            json={"inputs": [{"id": record_id} for record_id in expected_ids[:3]]},
            headers=AUTH,
        )
        assert read.status_code == 200, (object_type, read.text)
        assert read.json()["status"] == "COMPLETE"
        assert sorted(item["id"] for item in read.json()["results"]) == expected_ids[:3]


def test_discovering_client_reads_associations_between_every_pair_of_types(sandbox, small_dataset):
    linked_somewhere = set()
    for from_type, to_type in itertools.permutations(STANDARD_TYPES, 2):
        sources = live_ids(small_dataset, from_type)[:20] or ["1"]
        inputs = {"inputs": [{"id": record_id} for record_id in sources]}
        v4 = requests.post(
            api(sandbox, f"/crm/v4/associations/{from_type}/{to_type}/batch/read"),
            json=inputs,
            headers=AUTH,
        )
        v3 = requests.post(
            api(sandbox, f"/crm/v3/associations/{from_type}/{to_type}/batch/read"),
            json=inputs,
            headers=AUTH,
        )
        one = requests.get(
            api(sandbox, f"/crm/v4/objects/{from_type}/{sources[0]}/associations/{to_type}"),
            headers=AUTH,
        )
        one_v3 = requests.get(
            api(sandbox, f"/crm/v3/objects/{from_type}/{sources[0]}/associations/{to_type}"),
            headers=AUTH,
        )
        for response in (v4, v3, one, one_v3):
            assert response.status_code == 200, (from_type, to_type, response.text)
        assert v4.json()["status"] == v3.json()["status"] == "COMPLETE"
        v4_targets = {
            (item["from"]["id"], str(target["toObjectId"]))
            for item in v4.json()["results"]
            for target in item["to"]
        }
        v3_targets = {
            (item["from"]["id"], target["id"])
            for item in v3.json()["results"]
            for target in item["to"]
        }
        assert v4_targets == v3_targets, (from_type, to_type)
        assert {str(item["toObjectId"]) for item in one.json()["results"]} == {
            item["id"] for item in one_v3.json()["results"]
        }
        if v4_targets:
            linked_somewhere.add((from_type, to_type))
        if from_type not in DATASET_TYPES or to_type not in DATASET_TYPES:
            assert v4_targets == set(), (from_type, to_type)
    # The world's own links are still there, both directions.
    assert {("deals", "contacts"), ("contacts", "deals"), ("contacts", "companies")} <= (
        linked_somewhere
    )


def test_ticket_pipelines_owners_and_deal_pipelines_answer_in_their_shapes(sandbox):
    tickets = requests.get(api(sandbox, "/crm/v3/pipelines/tickets"), headers=AUTH)
    assert tickets.status_code == 200
    pipeline = tickets.json()["results"][0]
    stage_ids = [stage["id"] for stage in pipeline["stages"]]
    properties = requests.get(api(sandbox, "/crm/v3/properties/0-5"), headers=AUTH).json()
    stage_property = next(p for p in properties["results"] if p["name"] == "hs_pipeline_stage")
    assert stage_ids == [option["value"] for option in stage_property["options"]]
    assert {stage["metadata"]["ticketState"] for stage in pipeline["stages"]} == {"OPEN", "CLOSED"}
    stages = requests.get(
        api(sandbox, f"/crm/v3/pipelines/0-5/{pipeline['id']}/stages"), headers=AUTH
    )
    assert [stage["id"] for stage in stages.json()["results"]] == stage_ids
    missing = requests.get(api(sandbox, "/crm/v3/pipelines/tickets/nope"), headers=AUTH)
    assert missing.status_code == 404
    assert missing.json()["category"] == "OBJECT_NOT_FOUND"
    deals = requests.get(api(sandbox, "/crm/v3/pipelines/0-3"), headers=AUTH).json()
    assert deals["results"][0]["stages"][0]["metadata"]["probability"]

    owners = requests.get(api(sandbox, "/crm/v3/owners"), params={"limit": 500}, headers=AUTH)
    assert owners.status_code == 200
    assert owners.json() == {"results": []}
    too_many = requests.get(api(sandbox, "/crm/v3/owners"), params={"limit": 501}, headers=AUTH)
    assert too_many.status_code == 400


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/crm/v3/properties/widgets"),
        ("GET", "/crm/v3/objects/widgets"),
        ("POST", "/crm/v3/objects/widgets/search"),
        ("POST", "/crm/v3/objects/widgets/batch/read"),
        ("GET", "/crm/v3/objects/widgets/12"),
        ("GET", "/crm/v3/pipelines/widgets"),
        ("POST", "/crm/v4/associations/widgets/contacts/batch/read"),
        ("POST", "/crm/v3/associations/contacts/widgets/batch/read"),
        ("GET", "/crm/v4/objects/contacts/1/associations/widgets"),
    ],
)
def test_unknown_object_type_answers_hubspots_own_error(sandbox, method, path):
    response = requests.request(method, api(sandbox, path), json={"inputs": []}, headers=AUTH)
    assert response.status_code == 400
    body = response.json()
    assert body["message"] == "Unable to infer object type from: widgets"
    assert body["status"] == "error"
    assert set(body) == {"status", "message", "correlationId"}


def test_official_sdk_discovers_every_type_then_pages_owners_pipelines_and_associations(
    sandbox, small_dataset
):
    from hubspot import HubSpot
    from hubspot.crm.objects import PublicObjectSearchRequest

    client = HubSpot(access_token=CREDENTIALS.hubspot_access_token, host=f"{sandbox.url}/hubspot")
    for object_type, (_, expected) in STANDARD_TYPES.items():
        definitions = client.crm.properties.core_api.get_all(object_type).results
        names = [definition.name for definition in definitions]
        assert expected <= set(names), object_type
        seen, after = [], None
        while True:
            page = client.crm.objects.basic_api.get_page(
                object_type, limit=100, after=after, properties=names[:20]
            )
            seen += [record.id for record in page.results]
            if page.paging is None or page.paging.next is None:
                break
            after = page.paging.next.after
        assert seen == live_ids(small_dataset, object_type), object_type
        found = client.crm.objects.search_api.do_search(
            object_type, PublicObjectSearchRequest(limit=1, properties=["hs_object_id"])
        )
        assert found.total == len(seen), object_type
    assert client.crm.owners.owners_api.get_page(limit=100).results == []
    ticket_pipelines = client.crm.pipelines.pipelines_api.get_all("tickets").results
    assert [stage.id for stage in ticket_pipelines[0].stages] == ["1", "2", "3", "4"]
    deal = live_ids(small_dataset, "deals")[0]
    linked = client.crm.associations.v4.basic_api.get_page("deals", deal, "contacts", limit=500)
    assert all(target.to_object_id for target in linked.results)
    assert client.crm.associations.v4.basic_api.get_page("tickets", "1", "contacts").results == []
