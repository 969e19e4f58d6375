"""The emulators answer like the real APIs (API_NOTES.md), over real HTTP."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import requests

from crm_elt.dataset import sandbox_path
from crm_elt.sandbox import FaultSpec, SandboxConfig, start_sandbox
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS as CREDENTIALS

HUBSPOT_AUTH = {"Authorization": f"Bearer {CREDENTIALS.hubspot_access_token}"}
MANYCHAT_AUTH = {"Authorization": f"Bearer {CREDENTIALS.manychat_token}"}


@pytest.fixture(scope="module")
def sandbox(small_dataset):
    with start_sandbox(small_dataset) as running:
        yield running


def contacts_frame(dataset) -> pd.DataFrame:
    return pd.read_parquet(sandbox_path(dataset, "hubspot_contacts.parquet"))


def hubspot(sandbox, path):
    return f"{sandbox.url}/hubspot{path}"


def test_hubspot_list_pages_end_without_paging_and_cover_every_live_record(sandbox, small_dataset):
    seen, after, pages = [], None, 0
    while True:
        params = {"limit": 100, **({"after": after} if after else {})}
        body = requests.get(
            hubspot(sandbox, "/crm/v3/objects/contacts"), params=params, headers=HUBSPOT_AUTH
        ).json()
        pages += 1
        seen += [record["id"] for record in body["results"]]
        if "paging" not in body:
            break
        after = body["paging"]["next"]["after"]
    frame = contacts_frame(small_dataset)
    assert sorted(seen, key=int) == sorted(frame.loc[~frame["archived"], "id"], key=int)
    assert pages == -(-len(seen) // 100)
    record = body["results"][0]
    assert set(record) >= {"id", "properties", "createdAt", "updatedAt", "archived"}
    assert record["createdAt"].endswith("Z")


def test_hubspot_list_archived_returns_only_archived_with_archived_at(sandbox, small_dataset):
    body = requests.get(
        hubspot(sandbox, "/crm/v3/objects/contacts"),
        params={"archived": "true", "limit": 100},
        headers=HUBSPOT_AUTH,
    ).json()
    frame = contacts_frame(small_dataset)
    assert len(body["results"]) == int(frame["archived"].sum()) > 0
    assert all(record["archived"] and record["archivedAt"] for record in body["results"])


def test_hubspot_properties_selection_and_defaults(sandbox):
    url = hubspot(sandbox, "/crm/v3/objects/contacts")
    default = requests.get(url, params={"limit": 1}, headers=HUBSPOT_AUTH).json()["results"][0]
    assert set(default["properties"]) == {
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    }
    chosen = requests.get(
        url, params={"limit": 1, "properties": "phone,not_a_property"}, headers=HUBSPOT_AUTH
    ).json()["results"][0]
    assert set(chosen["properties"]) == {"phone", "hs_object_id"}


def test_hubspot_limit_over_100_is_a_validation_error(sandbox):
    response = requests.get(
        hubspot(sandbox, "/crm/v3/objects/contacts"), params={"limit": 101}, headers=HUBSPOT_AUTH
    )
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_hubspot_rejects_a_wrong_token_with_its_401_body(sandbox):
    response = requests.get(
        hubspot(sandbox, "/crm/v3/objects/contacts"),
        headers={"Authorization": "Bearer pat-na1-wrong"},
    )
    assert response.status_code == 401
    assert response.json()["category"] == "INVALID_AUTHENTICATION"


def test_hubspot_search_filters_sorts_and_caps_at_10000(sandbox, small_dataset):
    url = hubspot(sandbox, "/crm/v3/objects/contacts/search")
    frame = contacts_frame(small_dataset)
    live = frame[~frame["archived"]]
    threshold = int(pd.to_datetime(live["lastmodifieddate"]).median().value // 1_000_000)
    body = {
        "filterGroups": [
            {
                "filters": [
                    {"propertyName": "lastmodifieddate", "operator": "GTE", "value": str(threshold)}
                ]
            }
        ],
        "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
        "limit": 200,
    }
    answer = requests.post(url, json=body, headers=HUBSPOT_AUTH).json()
    expected = pd.to_datetime(live["lastmodifieddate"]).astype("int64") // 1_000_000 >= threshold
    assert answer["total"] == int(expected.sum())
    ids = [int(record["id"]) for record in answer["results"]]
    assert ids == sorted(ids)
    assert "associations" not in answer["results"][0]
    capped = requests.post(url, json={**body, "after": "10000"}, headers=HUBSPOT_AUTH)
    assert capped.status_code == 400
    too_big = requests.post(url, json={**body, "limit": 201}, headers=HUBSPOT_AUTH)
    assert too_big.status_code == 400


def test_hubspot_batch_read_reports_missing_ids_with_207(sandbox, small_dataset):
    known = contacts_frame(small_dataset)
    known_id = known.loc[~known["archived"], "id"].iloc[0]
    response = requests.post(
        hubspot(sandbox, "/crm/v3/objects/contacts/batch/read"),
        json={"inputs": [{"id": known_id}, {"id": "999999999"}]},
        headers=HUBSPOT_AUTH,
    )
    assert response.status_code == 207
    assert [record["id"] for record in response.json()["results"]] == [known_id]
    assert response.json()["errors"][0]["context"]["ids"] == ["999999999"]


def test_hubspot_inline_associations_include_the_unlabeled_duplicate(sandbox):
    body = requests.get(
        hubspot(sandbox, "/crm/v3/objects/deals"),
        params={"limit": 100, "associations": "contacts"},
        headers=HUBSPOT_AUTH,
    ).json()
    linked = [record for record in body["results"] if "associations" in record]
    types = {item["type"] for item in linked[0]["associations"]["contacts"]["results"]}
    assert types == {"deal_to_contact", "deal_to_contact_unlabeled"}


def test_hubspot_pipelines_and_properties_apis(sandbox):
    pipelines = requests.get(hubspot(sandbox, "/crm/v3/pipelines/deals"), headers=HUBSPOT_AUTH)
    stages = pipelines.json()["results"][0]["stages"]
    assert {"id", "label", "metadata"} <= set(stages[0])
    assert stages[0]["metadata"]["probability"]
    properties = requests.get(
        hubspot(sandbox, "/crm/v3/properties/companies"), headers=HUBSPOT_AUTH
    ).json()["results"]
    assert "especialidade_medica" in {item["name"] for item in properties}


def test_hubspot_rate_limits_answer_429_with_the_documented_body(small_dataset):
    config = SandboxConfig(rate_limits=True, hubspot_ten_second_limit=3)
    with start_sandbox(small_dataset, config=config) as limited:
        answers = [
            requests.get(hubspot(limited, "/crm/v3/objects/contacts"), headers=HUBSPOT_AUTH)
            for _ in range(4)
        ]
    assert [answer.status_code for answer in answers] == [200, 200, 200, 429]
    assert answers[0].headers["X-HubSpot-RateLimit-Max"] == "3"
    assert answers[2].headers["X-HubSpot-RateLimit-Remaining"] == "0"
    assert answers[3].json()["policyName"] == "TEN_SECONDLY_ROLLING"
    assert "Retry-After" not in answers[3].headers


def test_official_hubspot_sdk_pages_through_every_contact_and_searches(sandbox, small_dataset):
    from hubspot import HubSpot
    from hubspot.crm.contacts import PublicObjectSearchRequest

    client = HubSpot(access_token=CREDENTIALS.hubspot_access_token, host=f"{sandbox.url}/hubspot")
    contacts = client.crm.contacts.get_all(properties=["email"])
    frame = contacts_frame(small_dataset)
    live = frame[~frame["archived"]]
    assert sorted(contact.id for contact in contacts) == sorted(live["id"])
    by_id = live.set_index("id")["email"]
    assert all(contact.properties["email"] == by_id[contact.id] for contact in contacts)
    email = live["email"].dropna().iloc[0]
    found = client.crm.contacts.search_api.do_search(
        PublicObjectSearchRequest(
            filter_groups=[
                {"filters": [{"propertyName": "email", "operator": "EQ", "value": email}]}
            ],
            properties=["email"],
        )
    )
    assert found.total >= 1
    assert all(result.properties["email"] == email for result in found.results)


def hotmart_token(sandbox) -> str:
    response = requests.post(
        f"{sandbox.url}/hotmart/security/oauth/token",
        params={
            "grant_type": "client_credentials",
            "client_id": CREDENTIALS.hotmart_client_id,
            "client_secret": CREDENTIALS.hotmart_client_secret,
        },
        headers={"Authorization": f"Basic {CREDENTIALS.hotmart_basic_token}"},
    )
    assert response.status_code == 200
    assert response.json()["token_type"] == "bearer"
    return response.json()["access_token"]


def test_hotmart_hides_refunds_unless_statuses_are_asked_for(sandbox, small_dataset):
    headers = {"Authorization": f"Bearer {hotmart_token(sandbox)}"}
    url = f"{sandbox.url}/hotmart/payments/api/v1/sales/history"
    sales = pd.read_parquet(sandbox_path(small_dataset, "hotmart_sales.parquet"))
    window = {
        "start_date": int(sales["order_date"].min()),
        "end_date": int(sales["order_date"].min()) + 300 * 86_400_000,
    }
    default = requests.get(url, params={**window, "max_results": 500}, headers=headers).json()
    statuses = {item["purchase"]["status"] for item in default["items"]}
    assert statuses <= {"APPROVED", "COMPLETE"}
    everything = requests.get(
        url,
        params={**window, "max_results": 500, "transaction_status": "REFUNDED,CHARGEBACK"},
        headers=headers,
    ).json()
    assert {item["purchase"]["status"] for item in everything["items"]} <= {
        "REFUNDED",
        "CHARGEBACK",
    }
    assert "next_page_token" not in everything["page_info"]


def test_hotmart_rejects_windows_over_a_year_and_unknown_tokens(sandbox):
    headers = {"Authorization": f"Bearer {hotmart_token(sandbox)}"}
    url = f"{sandbox.url}/hotmart/payments/api/v1/sales/history"
    too_long = requests.get(
        url, params={"start_date": 0, "end_date": 400 * 86_400_000}, headers=headers
    )
    assert too_long.status_code == 400
    assert too_long.json()["error"] == "invalid_parameter"
    unknown = requests.get(url, headers={"Authorization": "Bearer nope"})
    assert unknown.status_code == 401
    assert unknown.json()["error"] == "invalid_token"


def test_hotmart_pages_with_tokens_and_clamps_max_results(sandbox):
    headers = {"Authorization": f"Bearer {hotmart_token(sandbox)}"}
    url = f"{sandbox.url}/hotmart/payments/api/v1/sales/history"
    first = requests.get(url, params={"max_results": 5}, headers=headers).json()
    second = requests.get(
        url,
        params={"max_results": 5, "page_token": first["page_info"]["next_page_token"]},
        headers=headers,
    ).json()
    first_ids = {item["purchase"]["transaction"] for item in first["items"]}
    assert len(first_ids) == 5
    assert first_ids.isdisjoint(item["purchase"]["transaction"] for item in second["items"])
    clamped = requests.get(url, params={"max_results": 10_000}, headers=headers).json()
    assert clamped["page_info"]["results_per_page"] == 500


def test_manychat_lookups_errors_and_recorded_writes(sandbox, small_dataset):
    subscribers = pd.read_parquet(sandbox_path(small_dataset, "manychat_subscribers.parquet"))
    subscriber = subscribers.dropna(subset=["email"]).iloc[0]
    base = f"{sandbox.url}/manychat/fb"
    found = requests.get(
        f"{base}/subscriber/findBySystemField",
        params={"email": subscriber["email"]},
        headers=MANYCHAT_AUTH,
    ).json()
    assert found["status"] == "success" and found["data"]["id"] == subscriber["id"]
    missing = requests.get(
        f"{base}/subscriber/getInfo", params={"subscriber_id": "1"}, headers=MANYCHAT_AUTH
    )
    assert missing.status_code == 400 and missing.json()["status"] == "error"
    wrote = requests.post(
        f"{base}/sending/sendFlow",
        headers=MANYCHAT_AUTH,
        json={"subscriber_id": subscriber["id"], "flow_ns": "content20260101"},
    )
    assert wrote.json() == {"status": "success"}
    writes = requests.get(f"{sandbox.url}/_sandbox/manychat/writes").json()["writes"]
    assert writes[-1]["body"]["flow_ns"] == "content20260101"
    wrong = requests.get(f"{base}/page/getTags", headers={"Authorization": "Bearer 1:x"})
    assert wrong.status_code == 401


@pytest.mark.parametrize(
    ("spec", "check"),
    [
        ("hubspot:reset=1", "reset"),
        ("hubspot:truncate=1", "truncated"),
        ("hubspot:5xx=1", "5xx"),
        ("hubspot:429=1", "429"),
        ("hubspot:slow=1,slow_s=1.5", "slow"),
    ],
)
def test_each_fault_kind_reaches_a_plain_client(small_dataset, spec, check):
    config = SandboxConfig(faults=FaultSpec.parse(spec))
    with start_sandbox(small_dataset, config=config) as faulty:
        url = hubspot(faulty, "/crm/v3/objects/contacts")
        if check == "reset":
            with pytest.raises(requests.ConnectionError):
                requests.get(url, headers=HUBSPOT_AUTH)
        elif check == "slow":
            with pytest.raises(requests.Timeout):
                requests.get(url, headers=HUBSPOT_AUTH, timeout=0.5)
        else:
            response = requests.get(url, headers=HUBSPOT_AUTH)
            if check == "truncated":
                assert response.status_code == 200
                with pytest.raises(json.JSONDecodeError):
                    json.loads(response.content)
            else:
                expected = {500, 502, 503, 504} if check == "5xx" else {429}
                assert response.status_code in expected
        assert requests.get(f"{faulty.url}/_sandbox/health").ok  # control API is never faulted


def test_hotmart_empty_body_fault(small_dataset):
    config = SandboxConfig(faults=FaultSpec.parse("hotmart:empty=1"))
    with start_sandbox(small_dataset, config=config) as faulty:
        response = requests.post(
            f"{faulty.url}/hotmart/security/oauth/token",
            params={
                "grant_type": "client_credentials",
                "client_id": CREDENTIALS.hotmart_client_id,
                "client_secret": CREDENTIALS.hotmart_client_secret,
            },
            headers={"Authorization": f"Basic {CREDENTIALS.hotmart_basic_token}"},
        )
    assert response.status_code == 200
    assert response.content == b""
