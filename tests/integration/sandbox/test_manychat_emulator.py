"""The ManyChat emulator's lookups as API_NOTES §3.1 describes them, over HTTP."""

from __future__ import annotations

import json

import pandas as pd
import pytest
import requests

from crm_elt.dataset import MANYCHAT_COLUMNS, sandbox_path
from crm_elt.sandbox import SandboxConfig, start_sandbox
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS

AUTH = {"Authorization": f"Bearer {SANDBOX_CREDENTIALS.manychat_token}"}
ROWS = [
    {"id": "1000000000000001", "email": "shared@example.com", "phone": "+5511900000001"},
    {"id": "1000000000000002", "email": "shared@example.com", "phone": None},
    {"id": "1000000000000003", "email": None, "phone": "(11) 90000-0003"},
]


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    data_dir = tmp_path_factory.mktemp("manychat_api")
    frame = pd.DataFrame(ROWS).reindex(columns=list(MANYCHAT_COLUMNS))
    frame["optin_email"] = frame["optin_phone"] = frame["optin_whatsapp"] = False
    frame["tags"] = ["ilpi;cuidador", None, ""]
    path = sandbox_path(data_dir, "manychat_subscribers.parquet")
    path.parent.mkdir(parents=True)
    frame.to_parquet(path, index=False)
    return data_dir


@pytest.fixture(scope="module")
def api(dataset):
    with start_sandbox(dataset) as sandbox:
        yield f"{sandbox.url}/manychat/fb"


def strict_json(response: requests.Response) -> dict:
    """Real JSON only: NaN or Infinity in a body would break other clients."""

    def refuse(constant: str):
        raise ValueError(f"{constant} is not JSON")

    return json.loads(response.text, parse_constant=refuse)


def test_page_info_answers_the_token_and_refuses_another(api):
    page = strict_json(requests.get(f"{api}/page/getInfo", headers=AUTH, timeout=5))
    wrong = requests.get(f"{api}/page/getInfo", headers={"Authorization": "Bearer 1:x"}, timeout=5)
    assert page["status"] == "success"
    assert str(page["data"]["id"]) == SANDBOX_CREDENTIALS.manychat_token.split(":")[0]
    assert wrong.status_code == 401 and wrong.json()["status"] == "error"


def test_get_info_is_the_full_subscriber_with_nulls_not_nan(api):
    response = requests.get(
        f"{api}/subscriber/getInfo",
        params={"subscriber_id": "1000000000000003"},
        headers=AUTH,
        timeout=5,
    )
    data = strict_json(response)["data"]
    documented = {
        "id", "page_id", "user_refs", "first_name", "last_name", "name", "gender",
        "profile_pic", "locale", "language", "timezone", "live_chat_url", "last_input_text",
        "optin_phone", "phone", "optin_email", "email", "is_followup_enabled", "ig_username",
        "ig_id", "whatsapp_phone", "optin_whatsapp", "subscribed", "last_interaction",
        "last_seen", "custom_fields", "tags",
    }  # fmt: skip
    assert documented <= set(data)
    assert (data["id"], data["email"], data["first_name"], data["tags"]) == (
        "1000000000000003",
        None,
        None,
        [],
    )


def test_find_by_email_returns_the_first_subscriber_that_has_it(api):
    found = strict_json(
        requests.get(
            f"{api}/subscriber/findBySystemField",
            params={"email": "shared@example.com"},
            headers=AUTH,
            timeout=5,
        )
    )
    assert found["status"] == "success" and found["data"]["id"] == "1000000000000001"
    assert [tag["name"] for tag in found["data"]["tags"]] == ["ilpi", "cuidador"]


@pytest.mark.parametrize(
    ("params", "found_id"),
    [
        ({"phone": "+5511900000001"}, "1000000000000001"),
        ({"phone": "(11) 90000-0003"}, "1000000000000003"),  # as stored: exact match
        ({"phone": "5511900000001"}, None),
        ({"email": "SHARED@example.com"}, None),
        ({"email": "nobody@example.com"}, None),
    ],
)
def test_find_by_system_field_matches_the_stored_value_exactly(api, params, found_id):
    answer = strict_json(
        requests.get(f"{api}/subscriber/findBySystemField", params=params, headers=AUTH, timeout=5)
    )
    assert answer["status"] == "success"
    assert (answer["data"] or {}).get("id") == found_id


def test_find_needs_exactly_one_field_and_not_found_can_be_an_error(dataset):
    config = SandboxConfig(manychat_not_found_as_error=True)
    with start_sandbox(dataset, config=config) as sandbox:
        url = f"{sandbox.url}/manychat/fb/subscriber/findBySystemField"
        both = requests.get(url, params={"email": "a@b.co", "phone": "+1"}, headers=AUTH)
        missing = requests.get(url, params={"email": "nobody@example.com"}, headers=AUTH)
    assert both.status_code == 400
    assert both.json()["details"]["messages"][0]["message"] == "Set exactly one of email or phone"
    assert missing.status_code == 400
    assert missing.json() == {
        "status": "error",
        "message": "Subscriber does not exist",
        "code": 2011,
    }
