"""Emulator writes (create, associate, touch), association reads, limits and config knobs."""

from __future__ import annotations

import time

import pandas as pd
import pytest
import requests

from crm_elt.dataset import sandbox_path
from crm_elt.sandbox import FaultSpec, SandboxConfig, start_sandbox
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS as CREDENTIALS

HUBSPOT_AUTH = {"Authorization": f"Bearer {CREDENTIALS.hubspot_access_token}"}
MANYCHAT_AUTH = {"Authorization": f"Bearer {CREDENTIALS.manychat_token}"}


def hubspot(sandbox, path: str) -> str:
    return f"{sandbox.url}/hubspot{path}"


def create_contacts(sandbox, count: int, company_id: str | None = None) -> list[str]:
    ids = []
    for start in range(0, count, 100):
        inputs = []
        for number in range(start, min(start + 100, count)):
            item: dict = {"properties": {"email": f"new{number}@example.org"}}
            if company_id:
                item["associations"] = [
                    {
                        "to": {"id": company_id},
                        "types": [
                            {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 279}
                        ],
                    }
                ]
            inputs.append(item)
        response = requests.post(
            hubspot(sandbox, "/crm/v3/objects/contacts/batch/create"),
            json={"inputs": inputs},
            headers=HUBSPOT_AUTH,
        )
        assert response.status_code == 201
        ids += [record["id"] for record in response.json()["results"]]
    return ids


def test_hubspot_batch_create_assigns_new_ids_and_links_both_directions(writable_sandbox):
    company = requests.get(
        hubspot(writable_sandbox, "/crm/v3/objects/companies"),
        params={"limit": 1},
        headers=HUBSPOT_AUTH,
    ).json()["results"][0]["id"]
    created = create_contacts(writable_sandbox, 2, company_id=company)
    read = requests.get(
        hubspot(writable_sandbox, f"/crm/v3/objects/contacts/{created[0]}"),
        params={"properties": "email", "associations": "companies"},
        headers=HUBSPOT_AUTH,
    ).json()
    assert read["properties"]["email"] == "new0@example.org"
    assert {item["id"] for item in read["associations"]["companies"]["results"]} == {company}
    reverse = requests.get(
        hubspot(writable_sandbox, f"/crm/v4/objects/companies/{company}/associations/contacts"),
        headers=HUBSPOT_AUTH,
    ).json()
    by_target = {str(item["toObjectId"]): item for item in reverse["results"]}
    assert set(created) <= set(by_target)
    assert by_target[created[0]]["associationTypes"][0]["typeId"] == 280
    v3 = requests.post(
        hubspot(writable_sandbox, "/crm/v3/associations/contacts/companies/batch/read"),
        json={"inputs": [{"id": created[1]}]},
        headers=HUBSPOT_AUTH,
    ).json()
    assert v3["results"] == [
        {"from": {"id": created[1]}, "to": [{"id": company, "type": "contact_to_company"}]}
    ]


def test_hubspot_v4_association_reads_page_by_500(writable_sandbox):
    company = requests.post(
        hubspot(writable_sandbox, "/crm/v3/objects/companies/batch/create"),
        json={"inputs": [{"properties": {"name": "Big clinic"}}]},
        headers=HUBSPOT_AUTH,
    ).json()["results"][0]["id"]
    created = create_contacts(writable_sandbox, 501, company_id=company)
    url = hubspot(writable_sandbox, "/crm/v4/associations/companies/contacts/batch/read")
    first = requests.post(url, json={"inputs": [{"id": company}]}, headers=HUBSPOT_AUTH).json()
    page = first["results"][0]
    assert len(page["to"]) == 500
    after = page["paging"]["next"]["after"]
    second = requests.post(
        url, json={"inputs": [{"id": company, "after": after}]}, headers=HUBSPOT_AUTH
    ).json()["results"][0]
    assert "paging" not in second
    seen = {str(item["toObjectId"]) for item in page["to"] + second["to"]}
    assert seen == set(created)
    per_record = requests.get(
        hubspot(writable_sandbox, f"/crm/v4/objects/companies/{company}/associations/contacts"),
        params={"limit": 500, "after": after},
        headers=HUBSPOT_AUTH,
    ).json()
    assert len(per_record["results"]) == 1 and "paging" not in per_record


def test_hubspot_v4_put_default_association(writable_sandbox):
    deal, contact = (
        requests.get(
            hubspot(writable_sandbox, f"/crm/v3/objects/{kind}"),
            params={"limit": 1},
            headers=HUBSPOT_AUTH,
        ).json()["results"][0]["id"]
        for kind in ("deals", "contacts")
    )
    response = requests.put(
        hubspot(
            writable_sandbox,
            f"/crm/v4/objects/deals/{deal}/associations/default/contacts/{contact}",
        ),
        headers=HUBSPOT_AUTH,
    )
    assert response.status_code == 200
    targets = requests.get(
        hubspot(writable_sandbox, f"/crm/v4/objects/contacts/{contact}/associations/deals"),
        headers=HUBSPOT_AUTH,
    ).json()["results"]
    assert int(deal) in {item["toObjectId"] for item in targets}


def test_control_touch_moves_records_into_an_incremental_search(writable_sandbox):
    moment_ms = int(time.time() * 1000) + 3_600_000
    touched = requests.post(
        f"{writable_sandbox.url}/_sandbox/hubspot/touch",
        json={"object_type": "contacts", "count": 7, "updated_at_ms": moment_ms},
    ).json()["ids"]
    assert len(touched) == 7
    found = requests.post(
        hubspot(writable_sandbox, "/crm/v3/objects/contacts/search"),
        json={
            "filterGroups": [
                {
                    "filters": [
                        {
                            "propertyName": "lastmodifieddate",
                            "operator": "GTE",
                            "value": str(moment_ms),
                        }
                    ]
                }
            ],
            "limit": 100,
        },
        headers=HUBSPOT_AUTH,
    ).json()
    assert sorted(result["id"] for result in found["results"]) == sorted(touched)
    assert found["total"] == 7


def test_merged_away_id_is_gone_from_reads_and_lists(writable_sandbox):
    url = hubspot(writable_sandbox, "/crm/v3/objects/contacts")
    primary, absorbed = (
        record["id"]
        for record in requests.get(url, params={"limit": 2}, headers=HUBSPOT_AUTH).json()["results"]
    )
    merged = requests.post(
        f"{url}/merge",
        json={"primaryObjectId": primary, "objectIdToMerge": absorbed},
        headers=HUBSPOT_AUTH,
    )
    assert merged.status_code == 200
    assert requests.get(f"{url}/{absorbed}", headers=HUBSPOT_AUTH).status_code == 404
    survivor = requests.get(
        f"{url}/{primary}", params={"properties": "hs_merged_object_ids"}, headers=HUBSPOT_AUTH
    ).json()
    assert survivor["properties"]["hs_merged_object_ids"].split(";")[-1] == absorbed
    first_page = requests.get(url, params={"limit": 5}, headers=HUBSPOT_AUTH).json()["results"]
    assert absorbed not in {record["id"] for record in first_page}


def test_hubspot_secondly_headers_and_rate_limit_reset(small_dataset):
    config = SandboxConfig(rate_limits=True, hubspot_ten_second_limit=20)
    with start_sandbox(small_dataset, config=config) as limited:
        url = hubspot(limited, "/crm/v3/objects/contacts")
        answers = [requests.get(url, headers=HUBSPOT_AUTH) for _ in range(21)]
        assert answers[0].headers["X-HubSpot-RateLimit-Secondly"] == "2"
        assert "X-HubSpot-RateLimit-Secondly-Remaining" in answers[0].headers
        assert answers[-1].status_code == 429
        assert requests.post(f"{limited.url}/_sandbox/rate-limits/reset").ok
        again = requests.get(url, headers=HUBSPOT_AUTH)
        assert again.status_code == 200
        assert again.headers["X-HubSpot-RateLimit-Remaining"] == "19"
        search = requests.post(f"{url}/search", json={}, headers=HUBSPOT_AUTH)
        assert search.status_code == 200
        assert not any(name.startswith("X-HubSpot-RateLimit") for name in search.headers)


def test_hubspot_search_per_second_limit_body(small_dataset):
    config = SandboxConfig(rate_limits=True, hubspot_search_per_second=2)
    with start_sandbox(small_dataset, config=config) as limited:
        url = hubspot(limited, "/crm/v3/objects/contacts/search")
        answers = [requests.post(url, json={}, headers=HUBSPOT_AUTH) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[2].json()["policyName"] == "SECONDLY"


def test_hubspot_list_limit_clamps_when_configured(small_dataset):
    with start_sandbox(small_dataset, config=SandboxConfig(hubspot_clamp_list_limit=True)) as sb:
        body = requests.get(
            hubspot(sb, "/crm/v3/objects/contacts"), params={"limit": 500}, headers=HUBSPOT_AUTH
        ).json()
    assert len(body["results"]) == 100


def test_hubspot_search_rejects_too_many_filter_groups(writable_sandbox):
    group = {"filters": [{"propertyName": "email", "operator": "HAS_PROPERTY"}]}
    response = requests.post(
        hubspot(writable_sandbox, "/crm/v3/objects/contacts/search"),
        json={"filterGroups": [group] * 6},
        headers=HUBSPOT_AUTH,
    )
    assert response.status_code == 400
    assert response.json()["category"] == "VALIDATION_ERROR"


def test_manychat_per_endpoint_limit_and_configured_token_status(small_dataset):
    subscribers = pd.read_parquet(sandbox_path(small_dataset, "manychat_subscribers.parquet"))
    config = SandboxConfig(rate_limits=True, manychat_wrong_token_status=400)
    with start_sandbox(small_dataset, config=config) as limited:
        url = f"{limited.url}/manychat/fb/subscriber/getInfo"
        params = {"subscriber_id": str(subscribers["id"].iloc[0])}
        answers = [requests.get(url, params=params, headers=MANYCHAT_AUTH) for _ in range(11)]
        wrong = requests.get(url, params=params, headers={"Authorization": "Bearer 1:nope"})
    assert [answer.status_code for answer in answers[:10]] == [200] * 10
    assert answers[10].status_code == 429
    assert wrong.status_code == 400
    assert wrong.json() == {
        "status": "error",
        "message": "Wrong format token",
        "details": {"messages": [{"message": "Wrong format token"}]},
    }


def test_manychat_subscriber_tags_use_the_page_tag_ids(writable_sandbox):
    tags = requests.get(
        f"{writable_sandbox.url}/manychat/fb/page/getTags", headers=MANYCHAT_AUTH
    ).json()["data"]
    tag_ids = {tag["name"]: tag["id"] for tag in tags}
    frame = writable_sandbox.emulators["manychat"].subscribers
    tagged = frame[frame["tags"].fillna("") != ""].iloc[0]
    data = requests.get(
        f"{writable_sandbox.url}/manychat/fb/subscriber/getInfo",
        params={"subscriber_id": tagged["id"]},
        headers=MANYCHAT_AUTH,
    ).json()["data"]
    assert data["tags"] and all(tag_ids[tag["name"]] == tag["id"] for tag in data["tags"])


@pytest.mark.parametrize("roles", [("BUYER",), ("BUYER", "PRODUCER")])
def test_hotmart_sales_users_roles_follow_the_config(small_dataset, roles):
    with start_sandbox(small_dataset, config=SandboxConfig(hotmart_user_roles=roles)) as sb:
        token = requests.post(
            f"{sb.url}/hotmart/security/oauth/token",
            params={
                "grant_type": "client_credentials",
                "client_id": CREDENTIALS.hotmart_client_id,
                "client_secret": CREDENTIALS.hotmart_client_secret,
            },
            headers={"Authorization": f"Basic {CREDENTIALS.hotmart_basic_token}"},
        ).json()["access_token"]
        items = requests.get(
            f"{sb.url}/hotmart/payments/api/v1/sales/users",
            params={"max_results": 50},
            headers={"Authorization": f"Bearer {token}"},
        ).json()["items"]
    seen = {user["role"] for item in items for user in item["users"]}
    assert seen and seen <= set(roles)


def test_hubspot_search_query_matches_a_substring_and_skips_archived(writable_sandbox):
    url = hubspot(writable_sandbox, "/crm/v3/objects/contacts")
    created = create_contacts(writable_sandbox, 3)
    assert requests.delete(f"{url}/{created[2]}", headers=HUBSPOT_AUTH).status_code == 204
    found = requests.post(
        f"{url}/search", json={"query": "NEW", "limit": 10}, headers=HUBSPOT_AUTH
    ).json()
    assert {result["id"] for result in found["results"]} >= set(created[:2])
    assert created[2] not in {result["id"] for result in found["results"]}
    # Case-insensitive, as the query is (a generated address may be BEATRIZ+NEWS@Gmail.com).
    assert all("new" in result["properties"]["email"].lower() for result in found["results"])


def test_manychat_serves_extra_dataset_columns_as_custom_fields(tmp_path, small_dataset):
    subscribers = pd.read_parquet(sandbox_path(small_dataset, "manychat_subscribers.parquet"))
    subscribers["especialidade"] = "dermatologia"
    path = sandbox_path(tmp_path, "manychat_subscribers.parquet")
    path.parent.mkdir(parents=True)
    subscribers.to_parquet(path)
    with start_sandbox(tmp_path) as sb:
        data = requests.get(
            f"{sb.url}/manychat/fb/subscriber/getInfo",
            params={"subscriber_id": str(subscribers["id"].iloc[0])},
            headers=MANYCHAT_AUTH,
        ).json()["data"]
    assert [(field["name"], field["value"]) for field in data["custom_fields"]] == [
        ("especialidade", "dermatologia")
    ]


def test_hubspot_merged_id_can_read_as_its_survivor_when_configured(small_dataset):
    config = SandboxConfig(hubspot_merged_read_survivor=True)
    with start_sandbox(small_dataset, config=config) as sb:
        url = hubspot(sb, "/crm/v3/objects/contacts")
        primary, absorbed = (
            record["id"]
            for record in requests.get(url, params={"limit": 2}, headers=HUBSPOT_AUTH).json()[
                "results"
            ]
        )
        requests.post(
            f"{url}/merge",
            json={"primaryObjectId": primary, "objectIdToMerge": absorbed},
            headers=HUBSPOT_AUTH,
        ).raise_for_status()
        read = requests.get(f"{url}/{absorbed}", headers=HUBSPOT_AUTH)
    assert read.status_code == 200
    assert read.json()["id"] == primary


def hotmart_token(base_url: str) -> str:
    response = requests.post(
        f"{base_url}/hotmart/security/oauth/token",
        params={
            "grant_type": "client_credentials",
            "client_id": CREDENTIALS.hotmart_client_id,
            "client_secret": CREDENTIALS.hotmart_client_secret,
        },
        headers={"Authorization": f"Basic {CREDENTIALS.hotmart_basic_token}"},
    )
    response.raise_for_status()
    return response.json()["access_token"]


def test_hotmart_per_minute_limit_headers_and_429_body(small_dataset):
    config = SandboxConfig(rate_limits=True, hotmart_per_minute=2)
    with start_sandbox(small_dataset, config=config) as sb:
        headers = {"Authorization": f"Bearer {hotmart_token(sb.url)}"}
        url = f"{sb.url}/hotmart/payments/api/v1/sales/history"
        answers = [requests.get(url, headers=headers) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[0].headers["RateLimit-Limit"] == "2"
    assert answers[0].headers["X-RateLimit-Remaining-Minute"] == "1"
    assert answers[2].json()["error"] == "too_many_requests"


def test_hotmart_tokens_expire_after_the_configured_seconds(small_dataset):
    with start_sandbox(small_dataset, config=SandboxConfig(hotmart_token_expires_in=1)) as sb:
        token = hotmart_token(sb.url)
        url = f"{sb.url}/hotmart/payments/api/v1/sales/history"
        fresh = requests.get(url, headers={"Authorization": f"Bearer {token}"})
        time.sleep(1.1)
        stale = requests.get(url, headers={"Authorization": f"Bearer {token}"})
    assert fresh.status_code == 200
    assert stale.status_code == 401
    assert set(stale.json()) == {"error", "error_description"}


def test_injected_faults_use_each_api_error_shape_and_replay_with_the_seed(small_dataset):
    def statuses(seed: int) -> list[int]:
        spec = FaultSpec.parse("manychat:5xx=0.3,429=0.3")
        with start_sandbox(small_dataset, config=SandboxConfig(seed=seed, faults=spec)) as sb:
            answers = [
                requests.get(f"{sb.url}/manychat/fb/page/getTags", headers=MANYCHAT_AUTH)
                for _ in range(20)
            ]
        for answer in answers:
            if answer.status_code != 200:
                assert answer.json()["status"] == "error"
        return [answer.status_code for answer in answers]

    first = statuses(seed=11)
    assert first == statuses(seed=11)
    assert {429} <= set(first) and set(first) & {500, 502, 503, 504}
