"""Run one source's extraction: the single entry point shared by Mage blocks, CLI and `make run`."""

from __future__ import annotations

import importlib
import logging

import pandas as pd

from crm_elt.logs import configure_logging
from crm_elt.settings import Settings, load_settings
from crm_elt.sources.base import ExtractResult
from crm_elt.warehouse import new_load_id

logger = logging.getLogger("crm_elt.extract")

# Source name as users type it -> module in crm_elt.sources exposing `extract(settings, ...)`.
SOURCE_MODULES = {
    "hubspot": "hubspot",
    "hotmart": "hotmart",
    "manychat": "manychat",
    "spend": "marketing_spend",
}


class ExtractionFailed(Exception):
    """At least one stream of a source failed; the message names them."""


def run_extraction(
    source: str, settings: Settings | None = None, load_id: str | None = None
) -> ExtractResult:
    if source not in SOURCE_MODULES:
        raise ValueError(f"unknown source {source!r}; expected one of {', '.join(SOURCE_MODULES)}")
    settings = settings or load_settings()
    configure_logging(settings.secret_values())
    module = importlib.import_module(f"crm_elt.sources.{SOURCE_MODULES[source]}")
    result: ExtractResult = module.extract(settings, load_id=load_id or new_load_id())
    if result.failed:
        names = ", ".join(f"{source}.{stream.stream} ({stream.error})" for stream in result.failed)
        raise ExtractionFailed(f"extraction failed: {names}")
    logger.info(
        "%s: %d records received, %d new versions", source, result.received, result.inserted
    )
    return result


def result_frame(result: ExtractResult) -> pd.DataFrame:
    """One row per stream: what a Mage block returns, small enough to show in the UI."""
    return pd.DataFrame(
        [
            {
                "source": result.source,
                "stream": stream.stream,
                "load_id": result.load_id,
                "pages": stream.stats.pages,
                "records_received": stream.stats.received,
                "new_versions": stream.stats.inserted,
                "retries": stream.stats.retries,
                "duration_s": round(stream.duration_s, 2),
                "outcome": stream.outcome,
            }
            for stream in result.streams
        ]
    )
