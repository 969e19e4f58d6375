"""v4 association writes (batch/create, batch/archive, single DELETE, the control API) and how
every association read sees them."""

from __future__ import annotations

import pytest
import requests

from crm_elt.sandbox import SandboxConfig, start_sandbox
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS as CREDENTIALS

AUTH = {"Authorization": f"Bearer {CREDENTIALS.hubspot_access_token}"}
DEAL_TO_CONTACT = 3
DEAL_TO_COMPANY_PRIMARY = 5
CONTACT_TO_COMPANY = 279


def api(sandbox, path: str) -> str:
    return f"{sandbox.url}/hubspot{path}"


def first_ids(sandbox, object_type: str, count: int) -> list[str]:
    body = requests.get(
        api(sandbox, f"/crm/v3/objects/{object_type}"), params={"limit": count}, headers=AUTH
    ).json()
    return [record["id"] for record in body["results"]]


def v4_targets(sandbox, from_type: str, record_id: str, to_type: str) -> dict[str, list[int]]:
    """{target id: type ids} from the v4 per-record read."""
    body = requests.get(
        api(sandbox, f"/crm/v4/objects/{from_type}/{record_id}/associations/{to_type}"),
        headers=AUTH,
    ).json()
    return {
        str(item["toObjectId"]): [kind["typeId"] for kind in item["associationTypes"]]
        for item in body["results"]
    }


def v4_batch_targets(sandbox, from_type: str, record_id: str, to_type: str) -> set[str]:
    body = requests.post(
        api(sandbox, f"/crm/v4/associations/{from_type}/{to_type}/batch/read"),
        json={"inputs": [{"id": record_id}]},
        headers=AUTH,
    ).json()
    return {str(item["toObjectId"]) for result in body["results"] for item in result["to"]}


def v3_batch_targets(sandbox, from_type: str, record_id: str, to_type: str) -> set[str]:
    body = requests.post(
        api(sandbox, f"/crm/v3/associations/{from_type}/{to_type}/batch/read"),
        json={"inputs": [{"id": record_id}]},
        headers=AUTH,
    ).json()
    return {item["id"] for result in body["results"] for item in result["to"]}


def inline_targets(sandbox, from_type: str, record_id: str, to_type: str) -> set[str]:
    """Targets through `associations=` on the single read and on the list page holding it."""
    read = requests.get(
        api(sandbox, f"/crm/v3/objects/{from_type}/{record_id}"),
        params={"associations": to_type},
        headers=AUTH,
    ).json()
    from_read = {
        item["id"] for item in read.get("associations", {}).get(to_type, {}).get("results", [])
    }
    after = None
    while True:
        params = {"limit": 100, "associations": to_type, **({"after": after} if after else {})}
        page = requests.get(
            api(sandbox, f"/crm/v3/objects/{from_type}"), params=params, headers=AUTH
        ).json()
        for record in page["results"]:
            if record["id"] == record_id:
                linked = record.get("associations", {}).get(to_type, {}).get("results", [])
                from_list = {item["id"] for item in linked}
                assert from_list == from_read
                return from_read
        after = page["paging"]["next"]["after"]


def every_read(sandbox, from_type: str, record_id: str, to_type: str) -> list[set[str]]:
    return [
        set(v4_targets(sandbox, from_type, record_id, to_type)),
        v4_batch_targets(sandbox, from_type, record_id, to_type),
        v3_batch_targets(sandbox, from_type, record_id, to_type),
        inline_targets(sandbox, from_type, record_id, to_type),
    ]


def unlinked_contact(sandbox, deal: str) -> str:
    linked = set(v4_targets(sandbox, "deals", deal, "contacts"))
    return next(contact for contact in first_ids(sandbox, "contacts", 50) if contact not in linked)


def linked_pair(sandbox) -> tuple[str, str]:
    for deal in first_ids(sandbox, "deals", 50):
        targets = v4_targets(sandbox, "deals", deal, "contacts")
        if targets:
            return deal, min(targets, key=int)
    raise AssertionError("no deal with a contact in the first 50")


def batch_create(sandbox, from_type: str, to_type: str, inputs: list[dict]) -> requests.Response:
    return requests.post(
        api(sandbox, f"/crm/v4/associations/{from_type}/{to_type}/batch/create"),
        json={"inputs": inputs},
        headers=AUTH,
    )


def create_input(from_id: str, to_id: str, type_id: int, category: str = "HUBSPOT_DEFINED"):
    return {
        "from": {"id": from_id},
        "to": {"id": to_id},
        "types": [{"associationCategory": category, "associationTypeId": type_id}],
    }


def test_v4_batch_create_answers_201_and_every_read_sees_the_link(writable_sandbox):
    deal = first_ids(writable_sandbox, "deals", 1)[0]
    contact = unlinked_contact(writable_sandbox, deal)
    assert all(
        contact not in seen for seen in every_read(writable_sandbox, "deals", deal, "contacts")
    )

    response = batch_create(
        writable_sandbox, "deals", "contacts", [create_input(deal, contact, DEAL_TO_CONTACT)]
    )

    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "COMPLETE"
    assert body["startedAt"] <= body["completedAt"]
    assert body["results"] == [
        {
            "fromObjectTypeId": "0-3",
            "fromObjectId": int(deal),
            "toObjectTypeId": "0-1",
            "toObjectId": int(contact),
            "labels": [],
        }
    ]
    assert "errors" not in body
    assert all(contact in seen for seen in every_read(writable_sandbox, "deals", deal, "contacts"))
    assert all(deal in seen for seen in every_read(writable_sandbox, "contacts", contact, "deals"))
    assert v4_targets(writable_sandbox, "contacts", contact, "deals")[deal] == [4]


def test_v4_batch_create_accepts_object_type_ids_and_is_idempotent(writable_sandbox):
    deal = first_ids(writable_sandbox, "deals", 1)[0]
    contact = unlinked_contact(writable_sandbox, deal)
    for _ in range(2):
        response = batch_create(
            writable_sandbox, "0-3", "0-1", [create_input(deal, contact, DEAL_TO_CONTACT)]
        )
        assert response.status_code == 201
    assert v4_targets(writable_sandbox, "deals", deal, "contacts")[contact] == [DEAL_TO_CONTACT]


def test_v4_batch_create_primary_label_brings_the_unlabeled_type(writable_sandbox):
    deal = first_ids(writable_sandbox, "deals", 1)[0]
    linked = set(v4_targets(writable_sandbox, "deals", deal, "companies"))
    company = next(c for c in first_ids(writable_sandbox, "companies", 30) if c not in linked)

    response = batch_create(
        writable_sandbox,
        "deals",
        "companies",
        [create_input(deal, company, DEAL_TO_COMPANY_PRIMARY)],
    )

    assert response.status_code == 201
    assert response.json()["results"][0]["labels"] == ["Primary"]
    assert v4_targets(writable_sandbox, "deals", deal, "companies")[company] == [5, 341]
    assert v4_targets(writable_sandbox, "companies", company, "deals")[deal] == [6, 342]


def test_v4_batch_create_reports_bad_inputs_in_a_207_and_creates_the_rest(writable_sandbox):
    deal = first_ids(writable_sandbox, "deals", 1)[0]
    contact = unlinked_contact(writable_sandbox, deal)
    archived = requests.get(
        api(writable_sandbox, "/crm/v3/objects/contacts"),
        params={"archived": "true", "limit": 1},
        headers=AUTH,
    ).json()["results"][0]["id"]
    inputs = [
        create_input(deal, contact, DEAL_TO_CONTACT),
        create_input(deal, "999999999", DEAL_TO_CONTACT),
        create_input("888888888", contact, DEAL_TO_CONTACT),
        create_input(deal, archived, DEAL_TO_CONTACT),
        create_input(deal, contact, CONTACT_TO_COMPANY),  # a contact->company type
        create_input(deal, contact, DEAL_TO_CONTACT, category="USER_DEFINED"),
    ]

    response = batch_create(writable_sandbox, "deals", "contacts", inputs)

    assert response.status_code == 207
    body = response.json()
    assert [result["toObjectId"] for result in body["results"]] == [int(contact)]
    assert body["numErrors"] == len(body["errors"]) == 5
    for error in body["errors"]:
        assert set(error) >= {"status", "category", "message", "context", "errors", "links"}
        assert error["status"] == "error"
    assert [error["category"] for error in body["errors"]] == [
        "OBJECT_NOT_FOUND",
        "OBJECT_NOT_FOUND",
        "OBJECT_NOT_FOUND",
        "VALIDATION_ERROR",
        "VALIDATION_ERROR",
    ]
    assert body["errors"][0]["context"] == {"toObjectId": ["999999999"]}
    assert body["errors"][1]["context"] == {"fromObjectId": ["888888888"]}
    assert body["errors"][3]["context"] == {"associationTypeId": [str(CONTACT_TO_COMPANY)]}
    assert set(v4_targets(writable_sandbox, "deals", deal, "contacts")) >= {contact}
    assert archived not in v4_targets(writable_sandbox, "deals", deal, "contacts")


def test_v4_batch_create_can_reject_the_whole_batch_when_configured(small_dataset):
    config = SandboxConfig(hubspot_association_errors_multi_status=False)
    with start_sandbox(small_dataset, config=config) as sandbox:
        deal = first_ids(sandbox, "deals", 1)[0]
        contact = unlinked_contact(sandbox, deal)
        response = batch_create(
            sandbox,
            "deals",
            "contacts",
            [
                create_input(deal, contact, DEAL_TO_CONTACT),
                create_input(deal, "999999999", DEAL_TO_CONTACT),
            ],
        )
        assert response.status_code == 400
        assert response.json()["category"] == "VALIDATION_ERROR"
        assert contact not in v4_targets(sandbox, "deals", deal, "contacts")


def test_v4_association_batches_enforce_the_input_limit(small_dataset):
    config = SandboxConfig(hubspot_association_batch_max=2)
    with start_sandbox(small_dataset, config=config) as sandbox:
        deal = first_ids(sandbox, "deals", 1)[0]
        contacts = first_ids(sandbox, "contacts", 3)
        too_many = [create_input(deal, contact, DEAL_TO_CONTACT) for contact in contacts]
        created = batch_create(sandbox, "deals", "contacts", too_many)
        archived = requests.post(
            api(sandbox, "/crm/v4/associations/deals/contacts/batch/archive"),
            json={"inputs": [{"from": {"id": deal}, "to": [{"id": c}]} for c in contacts]},
            headers=AUTH,
        )
        unknown_type = batch_create(sandbox, "deals", "widgets", too_many[:1])
    for response in (created, archived):
        assert response.status_code == 400
        assert response.json()["category"] == "VALIDATION_ERROR"
    assert "at most 2" in created.json()["message"]
    assert unknown_type.status_code == 400
    assert unknown_type.json()["message"] == "Unable to infer object type from: widgets"


def test_v4_batch_create_default_limit_is_2000(writable_sandbox):
    inputs = [create_input("1", str(n), DEAL_TO_CONTACT) for n in range(2001)]
    response = batch_create(writable_sandbox, "deals", "contacts", inputs)
    assert response.status_code == 400
    assert "at most 2000" in response.json()["message"]


def test_v4_batch_archive_removes_the_pair_from_every_read(writable_sandbox):
    deal, contact = linked_pair(writable_sandbox)
    assert all(contact in seen for seen in every_read(writable_sandbox, "deals", deal, "contacts"))
    others = set(v4_targets(writable_sandbox, "deals", deal, "contacts")) - {contact}

    response = requests.post(
        api(writable_sandbox, "/crm/v4/associations/deals/contacts/batch/archive"),
        json={"inputs": [{"from": {"id": deal}, "to": [{"id": contact}]}]},
        headers=AUTH,
    )

    assert response.status_code == 204
    assert response.content == b""
    for seen in every_read(writable_sandbox, "deals", deal, "contacts"):
        assert seen == others
    for seen in every_read(writable_sandbox, "contacts", contact, "deals"):
        assert deal not in seen


def test_v4_batch_archive_from_the_reverse_side_and_of_unlinked_pairs(writable_sandbox):
    deal, contact = linked_pair(writable_sandbox)
    stranger = unlinked_contact(writable_sandbox, deal)
    response = requests.post(
        api(writable_sandbox, "/crm/v4/associations/contacts/deals/batch/archive"),
        json={
            "inputs": [
                {"from": {"id": contact}, "to": [{"id": deal}]},
                {"from": {"id": stranger}, "to": [{"id": deal}, {"id": "999999999"}]},
            ]
        },
        headers=AUTH,
    )
    assert response.status_code == 204
    assert contact not in v4_targets(writable_sandbox, "deals", deal, "contacts")


def test_v4_single_delete_removes_the_pair(writable_sandbox):
    deal, contact = linked_pair(writable_sandbox)
    response = requests.delete(
        api(writable_sandbox, f"/crm/v4/objects/contacts/{contact}/associations/deals/{deal}"),
        headers=AUTH,
    )
    assert response.status_code == 204
    assert deal not in v4_targets(writable_sandbox, "contacts", contact, "deals")
    assert contact not in v4_batch_targets(writable_sandbox, "deals", deal, "contacts")


def modified_dates(sandbox, object_type: str, record_id: str) -> tuple[str, str]:
    record = requests.get(
        api(sandbox, f"/crm/v3/objects/{object_type}/{record_id}"),
        params={"properties": "lastmodifieddate,hs_lastmodifieddate"},
        headers=AUTH,
    ).json()
    modified = record["properties"].get("lastmodifieddate") or record["properties"].get(
        "hs_lastmodifieddate"
    )
    return record["updatedAt"], modified


def create_then_archive(sandbox, deal: str, contact: str) -> None:
    assert batch_create(
        sandbox, "deals", "contacts", [create_input(deal, contact, DEAL_TO_CONTACT)]
    ).ok
    assert requests.post(
        api(sandbox, "/crm/v4/associations/deals/contacts/batch/archive"),
        json={"inputs": [{"from": {"id": deal}, "to": [{"id": contact}]}]},
        headers=AUTH,
    ).ok


def test_association_changes_leave_modified_dates_alone_by_default(writable_sandbox):
    deal = first_ids(writable_sandbox, "deals", 1)[0]
    contact = unlinked_contact(writable_sandbox, deal)
    before = [
        modified_dates(writable_sandbox, *end) for end in (("deals", deal), ("contacts", contact))
    ]
    create_then_archive(writable_sandbox, deal, contact)
    after = [
        modified_dates(writable_sandbox, *end) for end in (("deals", deal), ("contacts", contact))
    ]
    assert after == before


def test_association_changes_bump_both_ends_when_configured(small_dataset):
    config = SandboxConfig(hubspot_association_change_bumps_modified=True)
    with start_sandbox(small_dataset, config=config) as sandbox:
        deal = first_ids(sandbox, "deals", 1)[0]
        contact = unlinked_contact(sandbox, deal)
        ends = (("deals", deal), ("contacts", contact))
        before = [modified_dates(sandbox, *end) for end in ends]
        create_then_archive(sandbox, deal, contact)
        after = [modified_dates(sandbox, *end) for end in ends]
    for (updated_before, modified_before), (updated_after, modified_after) in zip(
        before, after, strict=True
    ):
        assert updated_after > updated_before
        assert modified_after == updated_after > modified_before


def test_control_api_removes_the_first_linked_pairs_or_the_given_ones(writable_sandbox):
    control = f"{writable_sandbox.url}/_sandbox/hubspot/associations/archive"
    removed = requests.post(
        control, json={"from_type": "deals", "to_type": "contacts", "count": 3}
    ).json()["removed"]
    assert len(removed) == 3
    for deal, contact in removed:
        assert contact not in v4_batch_targets(writable_sandbox, "deals", deal, "contacts")
        assert deal not in v4_targets(writable_sandbox, "contacts", contact, "deals")

    deal, contact = linked_pair(writable_sandbox)
    answer = requests.post(
        control,
        json={"from_type": "contacts", "to_type": "deals", "pairs": [[contact, deal], ["1", "2"]]},
    )
    assert answer.json() == {"removed": [[contact, deal]]}
    assert contact not in v3_batch_targets(writable_sandbox, "deals", deal, "contacts")
    unknown = requests.post(control, json={"from_type": "widgets", "to_type": "deals"})
    assert unknown.status_code == 400


def test_merge_moves_the_absorbed_records_links_to_the_survivor(writable_sandbox):
    deal, absorbed = linked_pair(writable_sandbox)
    primary = next(c for c in first_ids(writable_sandbox, "contacts", 5) if c != absorbed)
    absorbed_deals = set(v4_targets(writable_sandbox, "contacts", absorbed, "deals"))
    primary_deals = set(v4_targets(writable_sandbox, "contacts", primary, "deals"))
    merged = requests.post(
        api(writable_sandbox, "/crm/v3/objects/contacts/merge"),
        json={"primaryObjectId": primary, "objectIdToMerge": absorbed},
        headers=AUTH,
    )
    assert merged.status_code == 200
    assert set(v4_targets(writable_sandbox, "contacts", primary, "deals")) == (
        absorbed_deals | primary_deals
    )
    deal_contacts = v4_batch_targets(writable_sandbox, "deals", deal, "contacts")
    assert primary in deal_contacts and absorbed not in deal_contacts


@pytest.mark.parametrize("body", [b"{not json", b'{"inputs": {"from": 1}}', b'{"inputs": [1]}'])
def test_v4_association_batches_reject_malformed_bodies(writable_sandbox, body):
    for verb in ("create", "archive"):
        response = requests.post(
            api(writable_sandbox, f"/crm/v4/associations/deals/contacts/batch/{verb}"),
            data=body,
            headers={**AUTH, "Content-Type": "application/json"},
        )
        assert response.status_code == 400
        assert response.json()["category"] == "VALIDATION_ERROR"


def test_v4_association_inputs_of_the_wrong_shape_are_errors_not_crashes(writable_sandbox):
    odd = {"inputs": [{"from": 1, "to": "x", "types": ["a"]}, {"from": {"id": "1"}}]}
    created = requests.post(
        api(writable_sandbox, "/crm/v4/associations/deals/contacts/batch/create"),
        json=odd,
        headers=AUTH,
    )
    archived = requests.post(
        api(writable_sandbox, "/crm/v4/associations/deals/contacts/batch/archive"),
        json={"inputs": [{"from": 1, "to": [{"id": "2"}]}]},
        headers=AUTH,
    )
    assert created.status_code == 207
    assert created.json()["results"] == []
    assert [error["category"] for error in created.json()["errors"]] == ["OBJECT_NOT_FOUND"] * 2
    assert archived.status_code == 400
