"""The HubSpot write-back over real HTTP against the emulator: properties created when
missing, values read back through the API, only changes sent, one refused contact not fatal.

The values are read from the marts dbt built (customer_ltv, the audiences, the remarketing
ledger of BATCH_DATE)."""

from __future__ import annotations

import pandas as pd
import pytest
import requests

from crm_elt.exporters.hubspot_writeback import (
    AUDIENCES,
    GOLDEN_ID,
    LAST_REMARKETING,
    NET_LTV,
    PROPERTY_GROUP,
    write_back,
)
from crm_elt.sandbox import SandboxConfig, start_sandbox
from crm_elt.warehouse import open_warehouse
from tests.conftest import make_settings
from tests.integration.delivery.conftest import BATCH_DATE, delivery_settings

PROPERTIES = [GOLDEN_ID, NET_LTV, AUDIENCES, LAST_REMARKETING]
# A batch update of 100 contacts can take the emulator over the suite's 1 s client timeout on
# a loaded machine; a retry would count as one more call and blur the call counts asserted.
PATIENT = {"HTTP_TIMEOUT_SECONDS": "10"}


@pytest.fixture
def sandbox(delivery_world):
    with start_sandbox(delivery_world, config=SandboxConfig(rate_limits=True)) as running:
        yield running


@pytest.fixture
def settings(built_warehouse, tmp_path, sandbox):
    return delivery_settings(
        built_warehouse, tmp_path / "data", sandbox.url, HUBSPOT_WRITEBACK="on", **PATIENT
    )


def expected(settings) -> pd.DataFrame:
    with open_warehouse(settings, read_only=True) as con:
        return con.execute(
            """
            select lineage.source_record_id as id, lineage.golden_contact_id,
                coalesce(ltv.net_ltv_brl, 0)::varchar as ltv,
                concat_ws(';',
                    case when lineage.golden_contact_id in
                        (select golden_contact_id from marts.audience_estetica) then 'estetica' end,
                    case when lineage.golden_contact_id in
                        (select golden_contact_id from marts.audience_ilpi) then 'ilpi' end
                ) as audiences,
                coalesce(strftime(sent.last_date, '%Y-%m-%d'), '') as last_date
            from marts.contact_lineage as lineage
            left join marts.customer_ltv as ltv using (golden_contact_id)
            left join (
                select golden_contact_id, max(run_date) as last_date
                from marts.remarketing_ledger group by golden_contact_id
            ) as sent using (golden_contact_id)
            where lineage.source = 'hubspot' and lineage.source_record_id in (
                select contact_id from staging.stg_hubspot__contacts as contact
                where is_current_version and not is_archived and not exists (
                    select 1 from staging.stg_hubspot__contacts as survivor
                    where survivor.is_current_version
                        and list_contains(
                            string_split(survivor.merged_contact_ids, ';'), contact.contact_id
                        )
                )
            )
            order by id
            """
        ).df()


def read_back(sandbox, token: str, ids: list[str]) -> dict[str, dict]:
    found = {}
    for start in range(0, len(ids), 100):
        answer = requests.post(
            f"{sandbox.url}/hubspot/crm/v3/objects/contacts/batch/read",
            json={
                "inputs": [{"id": item} for item in ids[start : start + 100]],
                "properties": PROPERTIES,
            },
            headers={"Authorization": f"Bearer {token}"},
            timeout=10,
        )
        found.update({item["id"]: item["properties"] for item in answer.json()["results"]})
    return found


def test_write_back_creates_the_properties_and_hubspot_reads_the_values_back(settings, sandbox):
    rows = expected(settings)
    assert len(rows) > 100  # more than one batch call

    result = write_back(settings)

    definitions = requests.get(
        f"{sandbox.url}/hubspot/crm/v3/properties/contacts",
        headers={"Authorization": f"Bearer {settings.hubspot_access_token}"},
        timeout=10,
    ).json()["results"]
    ours = {item["name"]: item for item in definitions if item["name"] in PROPERTIES}
    assert set(ours) == set(PROPERTIES)
    assert {item["groupName"] for item in ours.values()} == {PROPERTY_GROUP["name"]}
    assert ours[NET_LTV]["type"] == "number"
    assert sorted(result.properties_created) == sorted(PROPERTIES)

    values = read_back(sandbox, settings.hubspot_access_token, list(rows["id"]))
    for row in rows.itertuples():
        assert values[row.id][GOLDEN_ID] == row.golden_contact_id
        assert float(values[row.id][NET_LTV]) == float(row.ltv)
        assert (values[row.id][AUDIENCES] or "") == row.audiences
        assert (values[row.id][LAST_REMARKETING] or "") == row.last_date
    assert result.written == len(rows) and result.failed == 0
    batch_calls = -(-len(rows) // 100)
    # property list, group list, group + 4 properties created, then the batches
    assert result.requests == 2 + 5 + batch_calls

    unchanged = write_back(settings)
    assert unchanged.contacts_changed == 0 and unchanged.requests == 0

    assert (rows["last_date"] == str(BATCH_DATE)).sum() >= 1  # batch contacts in HubSpot
    # The next build finds a new LTV for one customer: only that person's contacts are sent.
    changed_contact = rows[rows["ltv"] != "0.00"].iloc[0]
    with open_warehouse(settings) as con:
        con.execute(
            "update marts.customer_ltv set net_ltv_brl = 999.99 where golden_contact_id = ?",
            [changed_contact.golden_contact_id],
        )
    one_change = write_back(settings)
    same_person = rows[rows["golden_contact_id"] == changed_contact.golden_contact_id]
    assert one_change.written == len(same_person) and one_change.values_written == len(same_person)
    assert one_change.requests == 2  # the property list, then one batch update
    assert (
        read_back(sandbox, settings.hubspot_access_token, [changed_contact.id])[changed_contact.id][
            NET_LTV
        ]
        == "999.99"
    )


def test_a_contact_hubspot_refuses_is_recorded_and_the_others_are_written(settings, sandbox):
    rows = expected(settings)
    deleted = rows.iloc[3].id
    answer = requests.delete(
        f"{sandbox.url}/hubspot/crm/v3/objects/contacts/{deleted}",
        headers={"Authorization": f"Bearer {settings.hubspot_access_token}"},
        timeout=10,
    )
    assert answer.status_code == 204

    result = write_back(settings)

    assert result.failed == 1 and result.written == len(rows) - 1
    with open_warehouse(settings, read_only=True) as con:
        log = con.execute(
            "select hubspot_contact_id, status, error from ops.hubspot_writeback_log"
        ).fetchall()
        state = {
            row[0] for row in con.execute("select * from ops.hubspot_writeback_state").fetchall()
        }
    failures = [row for row in log if row[1] == "failed"]
    assert [row[0] for row in failures] == [deleted]
    assert "HTTP 404" in failures[0][2]
    assert deleted not in state and len(state) == len(rows) - 1
    alive = rows.iloc[4].id
    assert read_back(sandbox, settings.hubspot_access_token, [alive])[alive][GOLDEN_ID]
    assert "1 refused" in result.describe()


def test_write_back_stops_at_its_request_budget_and_the_next_run_goes_on(
    built_warehouse, tmp_path, sandbox
):
    settings = delivery_settings(
        built_warehouse,
        tmp_path / "data",
        sandbox.url,
        HUBSPOT_WRITEBACK="on",
        HUBSPOT_WRITEBACK_MAX_REQUESTS="8",
        **PATIENT,
    )
    first = write_back(settings)  # 7 calls set up the properties, then one batch
    assert first.written == 100 and first.left_for_next_run == first.contacts_changed - 100
    second = write_back(settings)
    assert second.contacts_changed == first.contacts_changed - 100
    assert "left for the next run" in first.describe()


def test_write_back_is_off_unless_env_turns_it_on(tmp_path):
    result = write_back(make_settings(tmp_path / "data"))
    assert not result.enabled and "HUBSPOT_WRITEBACK=on" in result.describe()
