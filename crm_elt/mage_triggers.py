"""The pipeline's version-controlled daily schedule, rendered from SCHEDULE_TIME.

Mage re-reads `triggers.yaml` while the server runs. The file carries `last_enabled_at`, so
Mage does not rewrite it when it enables the trigger (MAGE_NOTES.md).
"""

from __future__ import annotations

from pathlib import Path

from crm_elt.settings import PROJECT_ROOT, Settings

PIPELINE_UUID = "crm_elt_daily"
TRIGGERS_PATH = PROJECT_ROOT / "hubspot_elt_project" / "pipelines" / PIPELINE_UUID / "triggers.yaml"

_TEMPLATE = """\
# Rendered by `python -m crm_elt render-triggers` (make ui) from SCHEDULE_TIME={time} UTC.
# Edit SCHEDULE_TIME in .env rather than this file.
triggers:
- name: daily_crm_elt
  description: Daily extraction of every source, then dbt build, at {time} UTC.
  schedule_type: time
  schedule_interval: '{minute} {hour} * * *'
  start_time: 2026-01-01 00:00:00
  status: active
  last_enabled_at: 2026-01-01 00:00:00
  settings:
    skip_if_previous_running: true
"""


def render_triggers(schedule_time: str) -> str:
    hour, minute = (int(part) for part in schedule_time.split(":"))
    return _TEMPLATE.format(time=schedule_time, hour=hour, minute=minute)


def write_triggers(settings: Settings, path: Path = TRIGGERS_PATH) -> Path:
    content = render_triggers(settings.schedule_time)
    if not path.is_file() or path.read_text(encoding="utf-8") != content:
        path.write_text(content, encoding="utf-8")
    return path
