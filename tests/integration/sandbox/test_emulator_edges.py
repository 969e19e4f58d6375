"""Edge contracts: idProperty reads, URL length, updates, daily limit, filters, control API."""

from __future__ import annotations

import time

import pandas as pd
import requests

from crm_elt.dataset import HUBSPOT_MODIFIED_PROPERTY, sandbox_path
from crm_elt.sandbox import SandboxConfig, start_sandbox
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS as CREDENTIALS

HUBSPOT_AUTH = {"Authorization": f"Bearer {CREDENTIALS.hubspot_access_token}"}
MANYCHAT_AUTH = {"Authorization": f"Bearer {CREDENTIALS.manychat_token}"}


def live_contacts(dataset) -> pd.DataFrame:
    contacts = pd.read_parquet(sandbox_path(dataset, "hubspot_contacts.parquet"))
    return contacts[~contacts["archived"].astype(bool)]


def hotmart_headers(sandbox) -> dict[str, str]:
    token = requests.post(
        f"{sandbox.url}/hotmart/security/oauth/token",
        params={
            "grant_type": "client_credentials",
            "client_id": CREDENTIALS.hotmart_client_id,
            "client_secret": CREDENTIALS.hotmart_client_secret,
        },
        headers={"Authorization": f"Basic {CREDENTIALS.hotmart_basic_token}"},
    ).json()["access_token"]
    return {"Authorization": f"Bearer {token}"}


def test_hubspot_batch_read_by_id_property_reports_unknown_values(writable_sandbox, small_dataset):
    contact = live_contacts(small_dataset).dropna(subset=["email"]).iloc[0]
    response = requests.post(
        f"{writable_sandbox.url}/hubspot/crm/v3/objects/contacts/batch/read",
        json={
            "idProperty": "email",
            "properties": ["email"],
            "inputs": [{"id": contact["email"]}, {"id": "nobody@nowhere.invalid"}],
        },
        headers=HUBSPOT_AUTH,
    )
    assert response.status_code == 207
    body = response.json()
    assert [record["id"] for record in body["results"]] == [str(contact["id"])]
    assert body["errors"][0]["context"]["ids"] == ["nobody@nowhere.invalid"]


def test_hubspot_answers_414_past_the_configured_url_length(small_dataset):
    with start_sandbox(small_dataset, config=SandboxConfig(hubspot_max_url_length=500)) as sb:
        url = f"{sb.url}/hubspot/crm/v3/objects/contacts"
        too_long = requests.get(url, params={"properties": "x" * 600}, headers=HUBSPOT_AUTH)
        short = requests.get(url, params={"properties": "email"}, headers=HUBSPOT_AUTH)
    assert too_long.status_code == 414
    assert short.status_code == 200


def test_hubspot_batch_update_bumps_modified_date_and_archive_does_not(writable_sandbox):
    url = f"{writable_sandbox.url}/hubspot/crm/v3/objects/contacts"
    first, second = requests.get(url, params={"limit": 2}, headers=HUBSPOT_AUTH).json()["results"]
    before = time.time() * 1000 - 1000
    updated = requests.post(
        f"{url}/batch/update",
        json={"inputs": [{"id": first["id"], "properties": {"firstname": "Renamed"}}]},
        headers=HUBSPOT_AUTH,
    )
    assert updated.status_code == 200
    reread = requests.get(
        f"{url}/{first['id']}",
        params={"properties": f"firstname,{HUBSPOT_MODIFIED_PROPERTY}"},
        headers=HUBSPOT_AUTH,
    ).json()
    assert reread["properties"]["firstname"] == "Renamed"
    assert pd.Timestamp(reread["updatedAt"]).timestamp() * 1000 >= before
    assert requests.delete(f"{url}/{second['id']}", headers=HUBSPOT_AUTH).status_code == 204
    archived = requests.get(
        url, params={"archived": "true", "limit": 100}, headers=HUBSPOT_AUTH
    ).json()["results"]
    gone = next(record for record in archived if record["id"] == second["id"])
    assert gone["updatedAt"] == second["updatedAt"]
    assert gone["archivedAt"]


def test_hubspot_daily_limit_answers_429_daily(small_dataset):
    config = SandboxConfig(rate_limits=True, hubspot_daily_limit=2)
    with start_sandbox(small_dataset, config=config) as limited:
        url = f"{limited.url}/hubspot/crm/v3/objects/contacts"
        answers = [requests.get(url, headers=HUBSPOT_AUTH) for _ in range(3)]
    assert [answer.status_code for answer in answers] == [200, 200, 429]
    assert answers[1].headers["X-HubSpot-RateLimit-Daily-Remaining"] == "0"
    assert answers[2].json()["policyName"] == "DAILY"


def test_hotmart_filters_by_transaction_buyer_and_product(writable_sandbox, small_dataset):
    sales = pd.read_parquet(sandbox_path(small_dataset, "hotmart_sales.parquet"))
    sale = sales[sales["status"].isin(["APPROVED", "COMPLETE"])].iloc[0]
    url = f"{writable_sandbox.url}/hotmart/payments/api/v1/sales/history"
    headers = hotmart_headers(writable_sandbox)
    by_transaction = requests.get(
        url, params={"transaction": sale["transaction"]}, headers=headers
    ).json()
    assert [item["purchase"]["transaction"] for item in by_transaction["items"]] == [
        sale["transaction"]
    ]
    by_buyer = requests.get(
        url, params={"buyer_email": sale["buyer_email"], "max_results": 500}, headers=headers
    ).json()["items"]
    assert by_buyer and {item["buyer"]["email"] for item in by_buyer} == {sale["buyer_email"]}
    by_product = requests.get(
        url, params={"product_id": int(sale["product_id"]), "max_results": 500}, headers=headers
    ).json()["items"]
    assert by_product and {item["product"]["id"] for item in by_product} == {
        int(sale["product_id"])
    }


def test_manychat_add_tag_by_name_is_recorded_and_needs_a_name(writable_sandbox, small_dataset):
    subscribers = pd.read_parquet(sandbox_path(small_dataset, "manychat_subscribers.parquet"))
    subscriber_id = str(subscribers.iloc[0]["id"])
    url = f"{writable_sandbox.url}/manychat/fb/subscriber/addTagByName"
    ok = requests.post(
        url, json={"subscriber_id": subscriber_id, "tag_name": "vip"}, headers=MANYCHAT_AUTH
    )
    nameless = requests.post(url, json={"subscriber_id": subscriber_id}, headers=MANYCHAT_AUTH)
    assert ok.json() == {"status": "success"}
    assert nameless.status_code == 400
    assert nameless.json()["details"]["messages"][0]["message"] == "tag_name is required"
    writes = requests.get(f"{writable_sandbox.url}/_sandbox/manychat/writes").json()["writes"]
    assert [write["body"] for write in writes] == [
        {"subscriber_id": subscriber_id, "tag_name": "vip"}
    ]


def test_control_api_sets_faults_at_runtime_and_expires_hotmart_tokens(writable_sandbox):
    headers = hotmart_headers(writable_sandbox)
    url = f"{writable_sandbox.url}/hotmart/payments/api/v1/sales/history"
    assert requests.get(url, headers=headers).status_code == 200
    assert requests.post(f"{writable_sandbox.url}/_sandbox/hotmart/expire-tokens").ok
    expired = requests.get(url, headers=headers)
    assert expired.status_code == 401
    assert expired.json()["error"] == "token_expired"
    fresh = hotmart_headers(writable_sandbox)
    control = f"{writable_sandbox.url}/_sandbox/faults"
    assert requests.post(control, data="hotmart:5xx=1").ok
    assert requests.get(url, headers=fresh).status_code >= 500
    assert requests.get(control).json()["injected"]
    assert requests.post(control, data="").ok
    assert requests.get(url, headers=fresh).status_code == 200


def test_hubspot_properties_with_history_lower_the_page_max(writable_sandbox):
    url = f"{writable_sandbox.url}/hubspot/crm/v3/objects/contacts"
    params = {"propertiesWithHistory": "email,lifecyclestage", "limit": 50}
    page = requests.get(url, params=params, headers=HUBSPOT_AUTH)
    assert page.status_code == 200
    record = page.json()["results"][0]
    email_history = record["propertiesWithHistory"]["email"]
    assert [entry["value"] for entry in email_history] in ([], [record["properties"]["email"]])
    assert set(record["propertiesWithHistory"]) == {"email", "lifecyclestage"}
    too_many = requests.get(url, params={**params, "limit": 51}, headers=HUBSPOT_AUTH)
    assert too_many.status_code == 400
    assert too_many.json()["category"] == "VALIDATION_ERROR"
