"""HubSpot's wire formats: timestamps, cursors, batch bodies and error bodies (API_NOTES §1.5)."""

from __future__ import annotations

import base64
import time
import uuid
from datetime import UTC, datetime

import numpy as np
import pandas as pd

from crm_elt.sandbox.protocol import Response


def iso_ms(epoch_ms: int | float | None) -> str | None:
    if epoch_ms is None or pd.isna(epoch_ms):
        return None
    moment = datetime.fromtimestamp(int(epoch_ms) / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def now_iso() -> str:
    return iso_ms(time.time() * 1000) or ""


def error_body(message: str, category: str, **extra: object) -> dict:
    return {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
        **extra,
    }


def validation_error(message: str) -> Response:
    return Response(400, error_body(message, "VALIDATION_ERROR"))


def not_found() -> Response:
    return Response(404, error_body("Object not found", "OBJECT_NOT_FOUND"))


def unknown_object_type(raw: str) -> Response:
    """What HubSpot answers for a path naming no object type it knows.

    A 400 with `status`, `message` and `correlationId` only, no `category`: the bodies quoted
    from the live API in HubSpot/hubspot-api-php#128 (`GET /crm/v3/objects/companies?
    associations=false`) and #233, and in probe logs of the v2 properties API, all read
    {"status":"error","message":"Unable to infer object type from: <raw>","correlationId":..},
    `<raw>` spelled as the request spelled it.
    """
    return Response(
        400,
        {
            "status": "error",
            "message": f"Unable to infer object type from: {raw}",
            "correlationId": str(uuid.uuid4()),
        },
    )


def batch_body(results: list, started: str | None = None) -> dict:
    """The body of a completed batch call (callers add `numErrors`/`errors` when some failed)."""
    return {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started or now_iso(),
        "completedAt": now_iso(),
    }


def batch_error(category: str, message: str, **context: list[str]) -> dict:
    """One entry of a batch response's `errors` (the spec's StandardError)."""
    return {
        "status": "error",
        "category": category,
        "message": message,
        "context": context,
        "errors": [],
        "links": {},
    }


def object_id(reference: object) -> str:
    """The id of an input's `{"id": ...}`, as a string ("None" when absent)."""
    return str(reference.get("id")) if isinstance(reference, dict) else "None"


def split_list(raw: list[str] | str | None) -> list[str]:
    """A comma-separated parameter, or the key repeated, as one list."""
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else raw
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def encode_after(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def decode_after(token: str) -> int | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        return int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        return None


def parse_int(raw: str | None, default: int | None) -> int | None:
    """`raw` as an int; `default` when absent; None when it is not a number."""
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        return None


def string_or_none(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)
