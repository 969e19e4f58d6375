"""The delivery steps as the Mage exporter blocks run them: settings, logging, one line said.

Each step's own `describe()` line is what the run log and `make run`'s summary show
(runner.DELIVERY_PREFIXES picks them out of the pipeline's output).
"""

from __future__ import annotations

from collections.abc import Callable

from crm_elt.exporters.hubspot_writeback import write_back
from crm_elt.exporters.manychat_push import push_batch
from crm_elt.exporters.remarketing_csv import export_remarketing_csv
from crm_elt.logs import configure_logging
from crm_elt.settings import Settings, load_settings

STEPS: dict[str, Callable[[Settings], object]] = {
    "export": export_remarketing_csv,
    "manychat": push_batch,
    "hubspot": write_back,
}


def run_delivery_step(step: str, settings: Settings | None = None) -> str:
    """Run one step ("export", "manychat", "hubspot"); its one-line account."""
    settings = settings or load_settings()
    configure_logging(settings.secret_values())
    return STEPS[step](settings).describe()
