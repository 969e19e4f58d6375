"""Progress of long extractions: records so far and rate, at most every few seconds.

Logged through the `crm_elt` logger, which Mage captures into the block's log and the
CLI prints on the terminal.
"""

from __future__ import annotations

import logging
import time

logger = logging.getLogger("crm_elt.progress")


class Progress:
    def __init__(self, label: str, every_s: float = 5.0):
        self.label, self.every_s = label, every_s
        self.started = self.last_report = time.monotonic()
        self.reported = False

    def update(self, records: int, *, force: bool = False) -> None:
        """Log every `every_s`; `force` closes a series already begun, so a stream short
        enough to report nothing midway stays one line (its outcome line) in the run's log."""
        now = time.monotonic()
        if force and not self.reported:
            return
        if not force and now - self.last_report < self.every_s:
            return
        self.last_report, self.reported = now, True
        elapsed = max(now - self.started, 1e-6)
        logger.info(
            "%s: %s records, %.0f records/s, %.1f s",
            self.label,
            f"{records:,}",
            records / elapsed,
            elapsed,
        )
