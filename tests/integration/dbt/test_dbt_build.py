"""dbt build through crm_elt.dbt_runner on a temporary warehouse."""

import subprocess
import sys
from datetime import datetime

import pytest
import yaml

from crm_elt.dbt_runner import DbtFailed, build, run_dbt
from crm_elt.warehouse import (
    RawRecord,
    open_warehouse,
    write_records,
)
from tests.conftest import log_every_source


def hubspot_contact(record_id: int, created: str, source: str | None, archived=False) -> RawRecord:
    payload = {
        "id": str(record_id),
        "properties": {
            "email": f"  Person{record_id}@Example.com ",
            "createdate": created,
            "lastmodifieddate": created,
            "hs_analytics_source": source,
        },
        "createdAt": created,
        "updatedAt": created,
        "archived": archived,
    }
    return RawRecord(str(record_id), datetime.fromisoformat(created[:19]), payload)


@pytest.fixture
def loaded(settings):
    records = [
        hubspot_contact(1, "2024-01-05T10:00:00.000Z", "PAID_SOCIAL"),
        hubspot_contact(2, "2024-01-20T10:00:00.000Z", "PAID_SOCIAL"),
        hubspot_contact(3, "2024-02-01T00:00:00.000Z", None),
        hubspot_contact(4, "2024-02-02T00:00:00.000Z", "ORGANIC_SEARCH", archived=True),
    ]
    with open_warehouse(settings) as con:
        write_records(con, source="hubspot", entity="contacts", records=records, load_id="l1")
        # A newer version of contact 3 moves it to another channel; only it may count.
        newer = hubspot_contact(3, "2024-02-01T00:00:00.000Z", "REFERRALS")
        newer = newer._replace(modified_at=datetime(2024, 3, 1))
        write_records(con, source="hubspot", entity="contacts", records=[newer], load_id="l2")
        log_every_source(con, "l2")
    return settings


def test_build_creates_the_mart_from_current_live_versions(loaded):
    nodes = build(loaded)
    assert set(nodes["status"]) <= {"pass", "success"}
    with open_warehouse(loaded, read_only=True) as con:
        mart = con.execute(
            "select acquisition_month::varchar, acquisition_channel, contacts_acquired "
            "from marts.fct_contacts_acquired_by_month order by 1, 2"
        ).fetchall()
        emails = con.execute(
            "select email from staging.stg_hubspot__contacts where contact_id = '1'"
        ).fetchall()
    assert mart == [("2024-01-01", "PAID_SOCIAL", 2), ("2024-02-01", "REFERRALS", 1)]
    assert emails == [("person1@example.com",)]


def test_the_dbt_unit_tests_pass(loaded):
    """A pipeline build leaves the unit tests out (crm_elt.dbt_runner.PIPELINE_BUILD); they
    run here, every one of them defined in the project."""
    built = build(loaded)
    defined = sum(
        len(yaml.safe_load(path.read_text()).get("unit_tests", []))
        for path in (loaded.dbt_project_dir / "models").rglob("*.yml")
    )
    nodes = run_dbt(loaded, ["test", "--select", "test_type:unit"])
    unit_tests = [node for node in nodes if node.resource_type == "unit_test"]
    assert defined >= 30
    assert len(unit_tests) == defined
    assert {node.status for node in unit_tests} == {"pass"}
    assert "unit_test" not in set(built["resource_type"])


def test_build_releases_the_warehouse_for_other_processes(loaded):
    build(loaded)
    opener = "import duckdb, sys; duckdb.connect(sys.argv[1]).close()"
    completed = subprocess.run(
        [sys.executable, "-c", opener, str(loaded.warehouse_path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert completed.returncode == 0, completed.stderr


def test_build_fails_clearly_when_a_source_has_not_been_extracted_lately(loaded):
    with open_warehouse(loaded) as con:
        con.execute(
            "update _elt.load_log set finished_at = now()::timestamp - interval 5 day "
            "where source = 'hubspot'"
        )
    with pytest.raises(DbtFailed, match=r"source\.crm_elt\.hubspot\.contacts error"):
        build(loaded)


def test_build_succeeds_on_sources_with_no_rows_yet(loaded):
    build(loaded)
    with open_warehouse(loaded, read_only=True) as con:
        assert con.execute("select count(*) from staging.stg_hotmart__sales").fetchall() == [(0,)]


def test_run_dbt_reports_a_failed_command(loaded):
    with pytest.raises(DbtFailed, match="run-operation failed"):
        run_dbt(loaded, ["run-operation", "no_such_macro"])
