"""The Mage project: thin blocks that import as plain Python, the pipeline, schedule, profiles."""

import importlib
import itertools
from pathlib import Path

import jinja2
import pytest
import yaml

from crm_elt.mage_triggers import PIPELINE_UUID, TRIGGERS_PATH, render_triggers
from crm_elt.settings import ENVIRONMENTS
from tests.conftest import PROJECT_ROOT, make_settings

MAGE_PROJECT = PROJECT_ROOT / "hubspot_elt_project"
PIPELINE_DIR = MAGE_PROJECT / "pipelines" / PIPELINE_UUID
BLOCK_FOLDERS = {
    "data_loader": "data_loaders",
    "custom": "custom",
    "data_exporter": "data_exporters",
}


def pipeline_blocks() -> list[dict]:
    return yaml.safe_load((PIPELINE_DIR / "metadata.yaml").read_text())["blocks"]


def test_pipeline_blocks_form_one_chain_from_loaders_through_dbt_to_delivery():
    blocks = pipeline_blocks()
    names = [block["uuid"] for block in blocks]
    assert names[0] == "load_hubspot"
    assert names[-4:] == [
        "build_dbt_models",
        "export_remarketing_csv",
        "push_to_manychat",
        "write_back_to_hubspot",
    ]
    assert {block["type"] for block in blocks[-3:]} == {"data_exporter"}
    # One writer at a time: every block waits for the one before it.
    for before, after in itertools.pairwise(blocks):
        assert after["upstream_blocks"] == [before["uuid"]]
        assert before["downstream_blocks"] == [after["uuid"]]


@pytest.mark.parametrize("block", pipeline_blocks(), ids=lambda block: block["uuid"])
def test_pipeline_block_file_imports_as_plain_python_and_stays_thin(block):
    folder = BLOCK_FOLDERS[block["type"]]
    path = MAGE_PROJECT / folder / f"{block['uuid']}.py"
    assert path.is_file()
    module = importlib.import_module(f"hubspot_elt_project.{folder}.{block['uuid']}")
    assert callable(getattr(module, block["uuid"]))
    code_lines = [
        line for line in path.read_text().splitlines() if line.strip() and not line.startswith("#")
    ]
    assert len(code_lines) <= 15


def test_pipeline_runs_are_serialized():
    config = yaml.safe_load((PIPELINE_DIR / "metadata.yaml").read_text())["concurrency_config"]
    assert config == {
        "pipeline_run_limit_all_triggers": 1,
        "on_pipeline_run_limit_reached": "wait",
    }


def test_committed_triggers_are_the_default_schedule_and_mage_accepts_them():
    from mage_ai.data_preparation.models.triggers import load_trigger_configs

    assert TRIGGERS_PATH.read_text() == render_triggers("06:00")
    triggers = load_trigger_configs(
        TRIGGERS_PATH.read_text(), pipeline_uuid=PIPELINE_UUID, raise_exception=True
    )
    assert [trigger.name for trigger in triggers] == ["daily_crm_elt"]
    assert triggers[0].schedule_interval == "0 6 * * *"
    assert triggers[0].last_enabled_at is not None


def test_render_triggers_follows_schedule_time():
    assert "schedule_interval: '30 21 * * *'" in render_triggers("21:30")


def test_mage_metadata_does_not_phone_home():
    metadata = yaml.safe_load((MAGE_PROJECT / "metadata.yaml").read_text())
    assert metadata["help_improve_mage"] is False


@pytest.mark.parametrize("environment", ENVIRONMENTS)
def test_io_config_profile_points_at_its_own_environments_warehouse(tmp_path, environment):
    settings = make_settings(tmp_path, environment)
    template = (MAGE_PROJECT / "io_config.yaml").read_text()
    rendered = jinja2.Template(template).render(
        env_var=lambda name, default=None: {"CRM_ELT_DATA_DIR": str(settings.data_dir)}.get(
            name, default
        )
    )
    profile = yaml.safe_load(rendered)[settings.mage_io_profile]
    assert Path(profile["DUCKDB_DATABASE"]) == settings.warehouse_path
