import os
from pathlib import Path

import pytest

from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS
from crm_elt.settings import SettingsError, load_settings
from tests.conftest import PROJECT_ROOT, make_settings


def load(tmp_path: Path, env_text: str | None = None, **environ: str):
    env_file = tmp_path / ".env"
    if env_text is not None:
        env_file.write_text(env_text, encoding="utf-8")
    return load_settings(environ=environ, env_file=env_file)


def test_settings_default_to_dev_and_the_sandbox(tmp_path):
    settings = load(tmp_path, CRM_ELT_DATA_DIR=str(tmp_path))
    assert settings.environment == "dev"
    assert settings.warehouse_path == tmp_path.resolve() / "db" / "dev" / "warehouse.duckdb"
    assert settings.hubspot_base_url == "http://127.0.0.1:8765/hubspot"
    assert settings.hubspot_access_token == SANDBOX_CREDENTIALS.hubspot_access_token
    assert settings.dbt_target == settings.mage_io_profile == "dev"


def test_settings_environment_selects_warehouse_target_and_profile(tmp_path):
    settings = load(tmp_path, ENVIRONMENT="prd", CRM_ELT_DATA_DIR=str(tmp_path))
    assert settings.warehouse_path.parent.name == "prd"
    assert settings.dbt_target == settings.mage_io_profile == "prd"


def test_settings_process_environment_overrides_env_file(tmp_path):
    settings = load(tmp_path, "ENVIRONMENT=hml\nSANDBOX_PORT=9000\n", SANDBOX_PORT="9100")
    assert settings.environment == "hml"
    assert settings.sandbox_port == 9100
    assert settings.hotmart_base_url == "http://127.0.0.1:9100/hotmart"


@pytest.mark.parametrize(
    ("environ", "named"),
    [
        ({"ENVIRONMENT": "production"}, "ENVIRONMENT"),
        ({"SANDBOX_PORT": "eighty"}, "SANDBOX_PORT"),
        ({"SANDBOX_PORT": "70000"}, "SANDBOX_PORT"),
        ({"HUBSPOT_BASE_URL": "api.hubapi.com"}, "HUBSPOT_BASE_URL"),
        ({"SCHEDULE_TIME": "25:00"}, "SCHEDULE_TIME"),
        ({"HTTP_TIMEOUT_SECONDS": "-1"}, "HTTP_TIMEOUT_SECONDS"),
        ({"HOTMART_RESWEEP_DAYS": "often"}, "HOTMART_RESWEEP_DAYS"),
        ({"DUCKDB_MEMORY_LIMIT": "lots"}, "DUCKDB_MEMORY_LIMIT"),
        ({"DUCKDB_MEMORY_LIMIT": "1G"}, "DUCKDB_MEMORY_LIMIT"),
    ],
)
def test_settings_malformed_value_names_the_variable_in_one_line(tmp_path, environ, named):
    with pytest.raises(SettingsError) as error:
        load(tmp_path, **environ)
    message = str(error.value)
    assert message.startswith(named)
    assert "\n" not in message


def test_settings_unparseable_env_line_is_an_error_naming_the_line(tmp_path):
    with pytest.raises(SettingsError, match=r"\.env line 2"):
        load(tmp_path, "ENVIRONMENT=dev\nthis line is not an assignment\n")


def test_settings_repr_hides_secrets(tmp_path):
    settings = load(tmp_path, HUBSPOT_ACCESS_TOKEN="pat-na1-real-secret-value")
    assert "pat-na1-real-secret-value" not in repr(settings)
    assert "pat-na1-real-secret-value" in settings.secret_values()


def test_settings_env_example_matches_the_sandbox_credentials():
    example = Path(__file__).resolve().parents[2] / ".env.example"
    settings = load_settings(environ={}, env_file=example)
    assert settings.hubspot_access_token == SANDBOX_CREDENTIALS.hubspot_access_token
    assert settings.hotmart_basic_token == SANDBOX_CREDENTIALS.hotmart_basic_token
    assert settings.manychat_token == SANDBOX_CREDENTIALS.manychat_token
    assert settings.hubspot_base_url.startswith(settings.sandbox_url)


def test_env_example_follows_a_changed_sandbox_port(tmp_path):
    example = Path(__file__).resolve().parents[2] / ".env.example"
    moved = tmp_path / ".env"
    moved.write_text(example.read_text().replace("SANDBOX_PORT=8765", "SANDBOX_PORT=18765"))
    settings = load_settings(environ={}, env_file=moved)
    for url in (
        settings.hubspot_base_url,
        settings.hotmart_base_url,
        settings.hotmart_auth_url,
        settings.manychat_base_url,
    ):
        assert url.startswith("http://127.0.0.1:18765/")


def test_every_source_extracts_with_its_own_load_id_when_none_is_given(tmp_path):
    from crm_elt.extract import SOURCE_MODULES
    from crm_elt.sources import manychat
    from tests.conftest import make_settings

    settings = make_settings(tmp_path / "data")
    result = manychat.extract(settings)  # empty drop folder: one successful, empty stream
    assert result.load_id and result.streams[0].outcome == "success"
    import importlib
    import inspect

    for module in SOURCE_MODULES.values():
        extract = importlib.import_module(f"crm_elt.sources.{module}").extract
        assert inspect.signature(extract).parameters["load_id"].default is None


@pytest.mark.parametrize("token", ["short", "has-a-hyphen-0123456789", "has space 0123456789"])
def test_an_api_trigger_token_mage_cannot_route_is_refused(tmp_path, token):
    with pytest.raises(SettingsError, match="MAGE_API_TRIGGER_TOKEN"):
        make_settings(tmp_path, MAGE_API_TRIGGER_TOKEN=token)


def test_the_api_trigger_token_is_a_secret(tmp_path):
    settings = make_settings(tmp_path, MAGE_API_TRIGGER_TOKEN="abc_0123456789_def")
    assert "abc_0123456789_def" in settings.secret_values()
    assert "abc_0123456789_def" not in repr(settings)


def test_dbt_gets_duckdbs_memory_limit_from_the_settings_and_every_target_uses_it(tmp_path):
    import yaml

    from crm_elt.dbt_runner import _dbt_environment

    settings = load(tmp_path, DUCKDB_MEMORY_LIMIT="1.5GB")
    before = os.environ.get("DUCKDB_MEMORY_LIMIT")
    with _dbt_environment(settings):
        assert os.environ["DUCKDB_MEMORY_LIMIT"] == "1.5GB"
    assert os.environ.get("DUCKDB_MEMORY_LIMIT") == before
    assert load(tmp_path).duckdb_memory_limit == "80%"
    profiles = yaml.safe_load((PROJECT_ROOT / "dbt" / "profiles.yml").read_text())
    for target in profiles["crm_elt"]["outputs"].values():
        assert "env_var('DUCKDB_MEMORY_LIMIT'" in target["settings"]["memory_limit"]
