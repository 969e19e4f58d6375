"""Logging for CLI, Mage blocks and tests: one format, and every configured secret redacted."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterable

REDACTED = "***"
_secrets: set[str] = set()


def register_secrets(values: Iterable[str]) -> None:
    """Remember secrets so `redact` and every log record hide them from now on."""
    _secrets.update(value for value in values if value and len(value) >= 4)


def redact(text: str) -> str:
    # Longest first, so a secret that contains another is hidden whole.
    for secret in sorted(_secrets, key=len, reverse=True):
        text = text.replace(secret, REDACTED)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message or record.args:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
        return True


def configure_logging(secrets: Iterable[str] = (), level: int = logging.INFO) -> None:
    """Idempotent: safe to call from every Mage block and CLI entry point."""
    register_secrets(secrets)
    logger = logging.getLogger("crm_elt")
    logger.setLevel(level)
    if not any(getattr(handler, "_crm_elt", False) for handler in logger.handlers):
        handler = logging.StreamHandler(sys.stdout)
        handler._crm_elt = True  # type: ignore[attr-defined]
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(RedactingFilter())
        logger.addHandler(handler)
        logger.propagate = False
