"""Search: `POST /crm/v3/objects/{type}/search` (API_NOTES §1.2): filter groups ORed of
filters ANDed, one sort (creation order without), free-text `query`, `limit` <= 200, an
offset `after` and the 10,000-result cap; archived records never match.

A mixin of HubSpotEmulator (emulator.py).
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from crm_elt.sandbox.hubspot.object_types import OBJECT_TYPES_BY_NAME
from crm_elt.sandbox.hubspot.store import DATE_PROPERTIES, ObjectStore
from crm_elt.sandbox.hubspot.wire import error_body, parse_int, validation_error
from crm_elt.sandbox.protocol import Request, Response

SEARCH_PAGE_MAX = 200
SEARCH_RESULT_CAP = 10_000


class SearchEndpoint:
    """Search over the stores of HubSpotEmulator (emulator.py)."""

    def search(self, request: Request, object_type: str) -> Response:
        try:
            body = request.json() or {}
        except json.JSONDecodeError:
            return validation_error("Invalid JSON body")
        limit = parse_int(str(body.get("limit", 10)), None)
        if limit is None or not 1 <= limit <= SEARCH_PAGE_MAX:
            return validation_error(f"limit must be between 1 and {SEARCH_PAGE_MAX}")
        offset = parse_int(str(body.get("after") or 0), None)
        if offset is None or offset < 0:
            return validation_error("after must be a non-negative integer")
        if offset >= SEARCH_RESULT_CAP:
            return Response(
                400,
                error_body(
                    f"There was a problem with the request. Paging past {SEARCH_RESULT_CAP} "
                    "results is not supported.",
                    "VALIDATION_ERROR",
                ),
            )
        properties = self._requested_properties(object_type, body.get("properties") or None)
        with self.lock:
            store = self.stores[object_type]
            frame = store.frame
            mask = self._filter_mask(store, body.get("filterGroups") or [])
            if isinstance(mask, Response):
                return mask
            mask &= ~frame["archived"].astype(bool)
            if body.get("query"):
                mask &= self._query_mask(store, object_type, str(body["query"]))
            ordered_ids = self._sorted_ids(store, mask.to_numpy(), body.get("sorts") or [])
            page = frame.loc[ordered_ids[offset : offset + limit]]
            results = [
                self._record(object_type, record_id, row, properties, [])
                for record_id, row in zip(page.index, page.to_dict("records"), strict=True)
            ]
            total = len(ordered_ids)
        payload: dict = {"total": total, "results": results}
        if offset + limit < total:
            payload["paging"] = {"next": {"after": str(offset + limit)}}
        return Response(200, payload)

    def _filter_mask(self, store: ObjectStore, groups: list[dict]) -> pd.Series | Response:
        frame = store.frame
        if not groups:
            return pd.Series(True, index=frame.index)
        config = self.config
        if len(groups) > config.hubspot_search_max_groups or (
            sum(len(group.get("filters") or []) for group in groups)
            > config.hubspot_search_max_filters
        ):
            return validation_error(
                f"Too many filters: at most {config.hubspot_search_max_groups} groups and "
                f"{config.hubspot_search_max_filters} filters"
            )
        combined = pd.Series(False, index=frame.index)
        for group in groups:
            filters = group.get("filters") or []
            if len(filters) > config.hubspot_search_max_filters_per_group:
                return validation_error(
                    "Too many filters in one group: at most "
                    f"{config.hubspot_search_max_filters_per_group}"
                )
            group_mask = pd.Series(True, index=frame.index)
            for item in filters:
                mask = matches(store.comparable(item.get("propertyName", "")), item)
                if mask is None:
                    return validation_error(f"Unsupported filter {item!r}")
                group_mask &= mask
            combined |= group_mask
        return combined

    def _query_mask(self, store: ObjectStore, object_type: str, text: str) -> pd.Series:
        """`query`: a case-insensitive substring of any default searchable property."""
        frame, needle = store.frame, text.lower()
        mask = pd.Series(False, index=frame.index)
        for name in OBJECT_TYPES_BY_NAME[object_type].searchable:
            if name in frame.columns:
                values = frame[name].astype("string").str.lower()
                mask |= values.str.contains(needle, regex=False).fillna(False).astype(bool)
        return mask

    def _sorted_ids(self, store: ObjectStore, mask: np.ndarray, sorts: list) -> pd.Index:
        """Ids of the matched records in the sort's order (no sort: creation order), ties by id."""
        name, descending = "created_at", False
        if sorts:
            rule = sorts[0]
            if isinstance(rule, str):
                name, descending = rule.lstrip("-"), rule.startswith("-")
            else:
                name = rule.get("propertyName", "")
                descending = str(rule.get("direction", "ASCENDING")).upper() == "DESCENDING"
        order = pd.DataFrame(
            {
                "key": store.comparable(name).to_numpy()[mask],
                "id": store.frame.index.to_numpy()[mask],
            }
        )
        order = order.sort_values(["key", "id"], ascending=[not descending, True], kind="stable")
        return pd.Index(order["id"].to_numpy())


def matches(values: pd.Series, item: dict) -> pd.Series | None:
    """The records one filter keeps, over its property's search keys; None if unsupported."""
    name = item.get("propertyName", "")
    operator = str(item.get("operator", "EQ")).upper()
    present = values.notna()
    if operator == "HAS_PROPERTY":
        return present
    if operator == "NOT_HAS_PROPERTY":
        return ~present

    def coerce(value: object) -> object:
        if name in DATE_PROPERTIES or name in ("hs_object_id", "id"):
            text = str(value)
            if text.isdigit():
                return int(text)
            parsed = pd.to_datetime(text, utc=True, errors="coerce")
            return None if pd.isna(parsed) else int(parsed.value // 1_000_000)
        if pd.api.types.is_numeric_dtype(values):
            try:
                return float(value)
            except (TypeError, ValueError):
                return None
        return str(value)

    if operator in ("IN", "NOT_IN"):
        wanted = {coerce(value) for value in item.get("values") or []}
        mask = values.isin(wanted)
        return mask if operator == "IN" else ~mask & present
    value = coerce(item.get("value"))
    if operator == "BETWEEN":
        high = coerce(item.get("highValue"))
        return present & (values >= value) & (values <= high)
    if operator == "CONTAINS_TOKEN":
        token = str(item.get("value", "")).replace("*", "").lower()
        return present & values.astype(str).str.lower().str.contains(token, regex=False)
    comparisons = {
        "EQ": lambda: values == value,
        "NEQ": lambda: values != value,
        "LT": lambda: present & (values < value),
        "LTE": lambda: present & (values <= value),
        "GT": lambda: present & (values > value),
        "GTE": lambda: present & (values >= value),
    }
    if operator not in comparisons or value is None:
        return None
    return comparisons[operator]().fillna(False).astype(bool)
