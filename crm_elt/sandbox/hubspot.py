"""HubSpot CRM v3/v4 emulator over the generator's dataset (crm_elt/dataset.py).

Paths, parameters, bodies and errors follow API_NOTES.md §1: bearer auth, list with `limit`
<= 100 and an opaque `after`, `properties`, inline `associations`, `archived`; single and
batch read; search with filter groups, one sort, `limit` <= 200 and the 10,000-result cap;
batch update (bumps the modified date); v4 association batch read; pipelines; properties.
Optional rate limits use the real headers and 429 bodies.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd

from crm_elt.dataset import (
    HUBSPOT_MODIFIED_PROPERTY,
    HUBSPOT_OBJECT_TYPE_IDS,
    HUBSPOT_OBJECT_TYPES,
    HUBSPOT_RECORD_COLUMNS,
    sandbox_path,
)
from crm_elt.sandbox.credentials import SANDBOX_CREDENTIALS
from crm_elt.sandbox.server import Request, Response, SandboxConfig

LIST_PAGE_MAX = 100
SEARCH_PAGE_MAX = 200
SEARCH_RESULT_CAP = 10_000
DEFAULT_PROPERTIES = {
    "contacts": [
        "createdate",
        "email",
        "firstname",
        "hs_object_id",
        "lastmodifieddate",
        "lastname",
    ],
    "companies": ["createdate", "domain", "hs_lastmodifieddate", "hs_object_id", "name"],
    "deals": [
        "amount",
        "closedate",
        "createdate",
        "dealname",
        "dealstage",
        "hs_lastmodifieddate",
        "hs_object_id",
        "pipeline",
    ],
}
DATE_PROPERTIES = {"createdate", "lastmodifieddate", "hs_lastmodifieddate", "closedate"}
_TYPE_BY_ID = {type_id: name for name, type_id in HUBSPOT_OBJECT_TYPE_IDS.items()}
# (from, to) -> (type id, label) served for associations stored in the other direction too.
ASSOCIATION_TYPES = {
    ("deals", "contacts"): 3,
    ("contacts", "deals"): 4,
    ("deals", "companies"): 341,
    ("companies", "deals"): 342,
    ("contacts", "companies"): 279,
    ("companies", "contacts"): 280,
}
_SINGULAR = {"contacts": "contact", "companies": "company", "deals": "deal"}


def iso_ms(epoch_ms: int | float | None) -> str | None:
    if epoch_ms is None or pd.isna(epoch_ms):
        return None
    moment = datetime.fromtimestamp(int(epoch_ms) / 1000, tz=UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def error_body(message: str, category: str, **extra: object) -> dict:
    return {
        "status": "error",
        "message": message,
        "correlationId": str(uuid.uuid4()),
        "category": category,
        **extra,
    }


@dataclass
class ObjectStore:
    """One object type: records sorted by numeric id, properties as string columns."""

    frame: pd.DataFrame  # index: int id, sorted; columns: record columns + properties

    @property
    def property_names(self) -> list[str]:
        return [column for column in self.frame.columns if column not in HUBSPOT_RECORD_COLUMNS]


class RateLimiter:
    """Rolling-window counter, the way HubSpot counts its ten-secondly and secondly limits."""

    def __init__(self, limit: int, window_s: float):
        self.limit, self.window_s = limit, window_s
        self.calls: deque[float] = deque()
        self.lock = threading.Lock()

    def take(self) -> tuple[bool, int]:
        now = time.monotonic()
        with self.lock:
            while self.calls and now - self.calls[0] >= self.window_s:
                self.calls.popleft()
            if len(self.calls) >= self.limit:
                return False, 0
            self.calls.append(now)
            return True, self.limit - len(self.calls)


class HubSpotEmulator:
    def __init__(
        self,
        stores: dict[str, ObjectStore],
        associations: pd.DataFrame,
        properties: dict,
        pipelines: dict,
        config: SandboxConfig,
    ):
        self.stores = stores
        self.associations = associations
        self.properties = properties
        self.pipelines = pipelines
        self.config = config
        self.lock = threading.RLock()
        self.ten_secondly = RateLimiter(config.hubspot_ten_second_limit, 10.0)
        self.secondly = RateLimiter(config.hubspot_search_per_second, 1.0)
        self.daily = RateLimiter(config.hubspot_daily_limit, 86400.0)
        self._next_id = {
            name: int(store.frame.index.max()) + 1 if len(store.frame) else 1
            for name, store in stores.items()
        }

    # ---- loading -------------------------------------------------------------------------

    @classmethod
    def from_dataset(cls, data_dir: Path, config: SandboxConfig) -> HubSpotEmulator:
        stores = {}
        for object_type in HUBSPOT_OBJECT_TYPES:
            path = sandbox_path(data_dir, f"hubspot_{object_type}.parquet")
            frame = (
                pd.read_parquet(path)
                if path.is_file()
                else pd.DataFrame(columns=list(HUBSPOT_RECORD_COLUMNS))
            )
            stores[object_type] = ObjectStore(_prepare(frame))
        associations_path = sandbox_path(data_dir, "hubspot_associations.parquet")
        associations = (
            pd.read_parquet(associations_path)
            if associations_path.is_file()
            else pd.DataFrame(columns=["from_type", "from_id", "to_type", "to_id", "type_id"])
        )
        properties = _read_json(sandbox_path(data_dir, "hubspot_properties.json"))
        pipelines = _read_json(sandbox_path(data_dir, "hubspot_pipelines.json"))
        return cls(stores, _both_directions(associations), properties, pipelines, config)

    # ---- dispatch ------------------------------------------------------------------------

    def handle(self, request: Request) -> Response:
        if len(request.raw_target) > self.config.hubspot_max_url_length:
            return Response(414, None)
        if request.header("authorization") != (
            f"Bearer {SANDBOX_CREDENTIALS.hubspot_access_token}"
        ):
            return Response(
                401,
                error_body(
                    "Authentication credentials not found. This API supports OAuth 2.0 "
                    "authentication and you can find more details at "
                    "https://developers.hubspot.com/docs/methods/auth/oauth-overview",
                    "INVALID_AUTHENTICATION",
                ),
            )
        is_search = request.method == "POST" and request.path.endswith("/search")
        limited = self._rate_limit(is_search)
        if limited is not None:
            return limited
        response = self._route(request)
        if not is_search and self.config.rate_limits:
            response.headers.update(self._limit_headers())
        return response

    def _routes(self):
        """(method, path pattern whose first group is an object type, handler)."""
        objects = r"/crm/v3/objects/([^/]+)"
        return (
            ("GET", rf"{objects}", lambda kind, request: self.list_objects(kind, request)),
            ("POST", rf"{objects}/search", self.search),
            ("POST", rf"{objects}/batch/read", self.batch_read),
            ("POST", rf"{objects}/batch/update", self.batch_update),
            ("POST", rf"{objects}/merge", self.merge),
            (
                "GET",
                rf"{objects}/(\d+)",
                lambda kind, request, record_id: self.read_one(kind, int(record_id), request),
            ),
            (
                "DELETE",
                rf"{objects}/(\d+)",
                lambda kind, request, record_id: self.archive(kind, int(record_id)),
            ),
            (
                "GET",
                r"/crm/v3/properties/([^/]+)",
                lambda kind, request: Response(200, {"results": self.property_definitions(kind)}),
            ),
        )

    def _route(self, request: Request) -> Response:
        path, method = request.path.rstrip("/"), request.method
        for route_method, pattern, handler in self._routes():
            match = re.fullmatch(pattern, path)
            if match and method == route_method:
                object_type = self._object_type(match[1])
                if object_type is None:
                    return self._unknown_type(match[1])
                return handler(object_type, request, *match.groups()[1:])
        if path == "/crm/v3/pipelines/deals" and method == "GET":
            return Response(200, {"results": self.pipelines.get("deals", [])})
        if match := re.fullmatch(r"/crm/v4/associations/([^/]+)/([^/]+)/batch/read", path):
            return self.association_batch_read(match[1], match[2], request)
        return Response(404, error_body(f"Unable to route {method} {path}", "OBJECT_NOT_FOUND"))

    # ---- rate limits ---------------------------------------------------------------------

    def _rate_limit(self, is_search: bool) -> Response | None:
        if not self.config.rate_limits:
            return None
        allowed, _ = self.daily.take()
        if not allowed:
            return self._too_many("You have reached your daily limit.", "DAILY")
        if is_search:
            allowed, _ = self.secondly.take()
            if not allowed:
                return self._too_many("You have reached your secondly limit.", "SECONDLY")
            return None
        allowed, _ = self.ten_secondly.take()
        if not allowed:
            return self._too_many(
                "You have reached your ten_secondly_rolling limit.", "TEN_SECONDLY_ROLLING"
            )
        return None

    def _too_many(self, message: str, policy: str) -> Response:
        body = {
            "status": "error",
            "message": message,
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": policy,
            "groupName": "publicapi:sandbox",
            "requestId": str(uuid.uuid4()),
        }
        return Response(429, body, self._limit_headers())

    def _limit_headers(self) -> dict[str, str]:
        used = len(self.ten_secondly.calls)
        return {
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": str(self.ten_secondly.limit),
            "X-HubSpot-RateLimit-Remaining": str(max(self.ten_secondly.limit - used, 0)),
            "X-HubSpot-RateLimit-Daily": str(self.daily.limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(
                max(self.daily.limit - len(self.daily.calls), 0)
            ),
        }

    # ---- endpoints -----------------------------------------------------------------------

    def list_objects(self, object_type: str, request: Request) -> Response:
        limit = _int(request.arg("limit"), 10)
        if limit is None or not 1 <= limit <= LIST_PAGE_MAX:
            return self._validation(f"limit must be between 1 and {LIST_PAGE_MAX}")
        archived = (request.arg("archived", "false") or "false").lower() == "true"
        properties = self._requested_properties(object_type, request.query.get("properties"))
        associations = _split_list(request.query.get("associations"))
        with self.lock:
            frame = self.stores[object_type].frame
            frame = frame[frame["archived"] == archived]
            start = 0
            after = request.arg("after")
            if after:
                last_id = _decode_after(after)
                if last_id is None:
                    return self._validation("Invalid after cursor")
                start = int(np.searchsorted(frame.index.to_numpy(), last_id, side="right"))
            page = frame.iloc[start : start + limit]
            results = [
                self._record(object_type, record_id, row, properties, associations)
                for record_id, row in zip(page.index, page.to_dict("records"), strict=True)
            ]
            has_more = start + limit < len(frame)
        body: dict = {"results": results}
        if has_more and results:
            token = _encode_after(int(page.index[-1]))
            body["paging"] = {"next": {"after": token, "link": f"?after={token}"}}
        return Response(200, body)

    def read_one(self, object_type: str, record_id: int, request: Request) -> Response:
        properties = self._requested_properties(object_type, request.query.get("properties"))
        archived = (request.arg("archived", "false") or "false").lower() == "true"
        with self.lock:
            frame = self.stores[object_type].frame
            if record_id not in frame.index or bool(frame.at[record_id, "archived"]) != archived:
                return Response(404, error_body("Object not found", "OBJECT_NOT_FOUND"))
            row = frame.loc[record_id].to_dict()
            associations = _split_list(request.query.get("associations"))
            return Response(
                200, self._record(object_type, record_id, row, properties, associations)
            )

    def batch_read(self, object_type: str, request: Request) -> Response:
        body = request.json() or {}
        inputs = body.get("inputs") or []
        if len(inputs) > 100:
            return self._validation("Too many inputs: at most 100")
        properties = self._requested_properties(object_type, body.get("properties") or None)
        started = _now_iso()
        results, missing = [], []
        with self.lock:
            frame = self.stores[object_type].frame
            for item in inputs:
                record_id = _int(str(item.get("id")), None)
                if (
                    record_id is None
                    or record_id not in frame.index
                    or frame.at[record_id, "archived"]
                ):
                    missing.append(str(item.get("id")))
                    continue
                row = frame.loc[record_id].to_dict()
                results.append(self._record(object_type, record_id, row, properties, []))
        payload: dict = {
            "status": "COMPLETE",
            "results": results,
            "startedAt": started,
            "completedAt": _now_iso(),
        }
        if missing:
            payload["numErrors"] = 1
            payload["errors"] = [
                {
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": "Could not get some objects, they may be deleted or not exist.",
                    "context": {"ids": missing},
                }
            ]
            return Response(207, payload)
        return Response(200, payload)

    def batch_update(self, object_type: str, request: Request) -> Response:
        body = request.json() or {}
        inputs = body.get("inputs") or []
        if len(inputs) > 100:
            return self._validation("Too many inputs: at most 100")
        modified_property = HUBSPOT_MODIFIED_PROPERTY[object_type]
        now_ms = int(time.time() * 1000)
        results = []
        with self.lock:
            frame = self.stores[object_type].frame
            for item in inputs:
                record_id = _int(str(item.get("id")), None)
                if record_id is None or record_id not in frame.index:
                    return Response(404, error_body("Object not found", "OBJECT_NOT_FOUND"))
                for name, value in (item.get("properties") or {}).items():
                    if name not in frame.columns:
                        frame[name] = pd.Series(None, index=frame.index, dtype="object")
                    frame.at[record_id, name] = None if value is None else str(value)
                frame.at[record_id, "updated_at"] = now_ms
                frame.at[record_id, modified_property] = iso_ms(now_ms)
                row = frame.loc[record_id].to_dict()
                results.append(self._record(object_type, record_id, row, None, []))
        return Response(
            200,
            {
                "status": "COMPLETE",
                "results": results,
                "startedAt": _now_iso(),
                "completedAt": _now_iso(),
            },
        )

    def archive(self, object_type: str, record_id: int) -> Response:
        """DELETE: the record moves to the archived list; its modified date does not change."""
        with self.lock:
            frame = self.stores[object_type].frame
            if record_id not in frame.index or frame.at[record_id, "archived"]:
                return Response(404, error_body("Object not found", "OBJECT_NOT_FOUND"))
            frame.at[record_id, "archived"] = True
            frame.at[record_id, "archived_at"] = int(time.time() * 1000)
        return Response(204, None)

    def merge(self, object_type: str, request: Request) -> Response:
        """The absorbed record vanishes; the survivor lists it in hs_merged_object_ids."""
        body = request.json() or {}
        primary = _int(str(body.get("primaryObjectId")), None)
        absorbed = _int(str(body.get("objectIdToMerge")), None)
        modified_property = HUBSPOT_MODIFIED_PROPERTY[object_type]
        now_ms = int(time.time() * 1000)
        with self.lock:
            store = self.stores[object_type]
            frame = store.frame
            if primary not in frame.index or absorbed not in frame.index or primary == absorbed:
                return self._validation("primaryObjectId and objectIdToMerge must be two records")
            if "hs_merged_object_ids" not in frame.columns:
                frame["hs_merged_object_ids"] = pd.Series(None, index=frame.index, dtype=object)
            known = frame.at[primary, "hs_merged_object_ids"]
            ids = [part for part in str(known or "").split(";") if part] + [str(absorbed)]
            frame.at[primary, "hs_merged_object_ids"] = ";".join(ids)
            frame.at[primary, "updated_at"] = now_ms
            frame.at[primary, modified_property] = iso_ms(now_ms)
            store.frame = frame.drop(index=absorbed)
            links = self.associations
            for side in ("from", "to"):
                moved = (links[f"{side}_type"] == object_type) & (
                    links[f"{side}_id"] == str(absorbed)
                )
                links.loc[moved, f"{side}_id"] = str(primary)
            self.associations = links.drop_duplicates()
            row = store.frame.loc[primary].to_dict()
        return Response(200, self._record(object_type, primary, row, None, []))

    def search(self, object_type: str, request: Request) -> Response:
        try:
            body = request.json() or {}
        except json.JSONDecodeError:
            return self._validation("Invalid JSON body")
        limit = _int(str(body.get("limit", 10)), None)
        if limit is None or not 1 <= limit <= SEARCH_PAGE_MAX:
            return self._validation(f"limit must be between 1 and {SEARCH_PAGE_MAX}")
        offset = _int(str(body.get("after") or 0), None)
        if offset is None or offset < 0:
            return self._validation("after must be a non-negative integer")
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
            frame = self.stores[object_type].frame
            frame = frame[~frame["archived"].astype(bool)]
            mask = self._filter_mask(frame, body.get("filterGroups") or [])
            if isinstance(mask, Response):
                return mask
            matched = frame[mask]
            matched = self._sorted(matched, body.get("sorts") or [])
            page = matched.iloc[offset : offset + limit]
            results = [
                self._record(object_type, record_id, row, properties, [])
                for record_id, row in zip(page.index, page.to_dict("records"), strict=True)
            ]
            total = len(matched)
        payload: dict = {"total": total, "results": results}
        if offset + limit < total:
            payload["paging"] = {"next": {"after": str(offset + limit)}}
        return Response(200, payload)

    def association_batch_read(self, from_raw: str, to_raw: str, request: Request) -> Response:
        from_type, to_type = self._object_type(from_raw), self._object_type(to_raw)
        if from_type is None or to_type is None:
            return self._unknown_type(from_raw if from_type is None else to_raw)
        inputs = (request.json() or {}).get("inputs") or []
        if len(inputs) > 1000:
            return self._validation("Too many inputs: at most 1000")
        links = self.associations
        links = links[(links["from_type"] == from_type) & (links["to_type"] == to_type)]
        by_source = links.groupby("from_id")
        groups = set(by_source.groups)
        results = []
        for item in inputs:
            source_id = str(item.get("id"))
            if source_id not in groups:
                continue
            rows = by_source.get_group(source_id)
            targets = []
            for to_id, group in rows.groupby("to_id", sort=True):
                targets.append(
                    {
                        "toObjectId": int(to_id),
                        "associationTypes": [
                            {
                                "category": "HUBSPOT_DEFINED",
                                "typeId": int(type_id),
                                "label": None if int(type_id) not in (1, 2, 5, 6) else "Primary",
                            }
                            for type_id in sorted(set(group["type_id"]))
                        ],
                    }
                )
            results.append({"from": {"id": source_id}, "to": targets})
        return Response(
            200,
            {
                "status": "COMPLETE",
                "results": results,
                "startedAt": _now_iso(),
                "completedAt": _now_iso(),
            },
        )

    def property_definitions(self, object_type: str) -> list[dict]:
        if self.properties.get(object_type):
            return self.properties[object_type]
        return [
            {
                "name": name,
                "label": name.replace("_", " ").title(),
                "type": "datetime" if name in DATE_PROPERTIES else "string",
                "fieldType": "date" if name in DATE_PROPERTIES else "text",
                "groupName": f"{_SINGULAR[object_type]}information",
                "hubspotDefined": not name.startswith(("especialidade", "consentimento")),
            }
            for name in self.stores[object_type].property_names
        ]

    # ---- helpers -------------------------------------------------------------------------

    def _record(
        self,
        object_type: str,
        record_id: int,
        row: dict,
        properties: list[str] | None,
        associations: list[str],
    ) -> dict:
        names = properties if properties is not None else self.stores[object_type].property_names
        values = {name: _string_or_none(row.get(name)) for name in names if name in row}
        values["hs_object_id"] = str(record_id)
        record = {
            "id": str(record_id),
            "properties": values,
            "createdAt": iso_ms(row.get("created_at")),
            "updatedAt": iso_ms(row.get("updated_at")),
            "archived": bool(row.get("archived")),
        }
        if record["archived"]:
            record["archivedAt"] = iso_ms(row.get("archived_at"))
        inline = self._inline_associations(object_type, str(record_id), associations)
        if inline:
            record["associations"] = inline
        return record

    def _inline_associations(self, object_type: str, record_id: str, wanted: list[str]) -> dict:
        inline = {}
        for raw in wanted:
            to_type = self._object_type(raw)
            if to_type is None:
                continue  # the real API ignores unknown types
            links = self.associations
            links = links[
                (links["from_type"] == object_type)
                & (links["from_id"] == record_id)
                & (links["to_type"] == to_type)
            ]
            label = f"{_SINGULAR[object_type]}_to_{_SINGULAR[to_type]}"
            results = []
            for to_id in sorted(set(links["to_id"]), key=int):
                results.append({"id": str(to_id), "type": label})
                results.append({"id": str(to_id), "type": f"{label}_unlabeled"})
            if results:
                inline[to_type] = {"results": results}
        return inline

    def _requested_properties(self, object_type: str, raw: list[str] | None) -> list[str] | None:
        if raw is None:
            return DEFAULT_PROPERTIES[object_type]
        names = [name for name in _split_list(raw) if name]
        return names or DEFAULT_PROPERTIES[object_type]

    def _filter_mask(self, frame: pd.DataFrame, groups: list[dict]) -> pd.Series | Response:
        if not groups:
            return pd.Series(True, index=frame.index)
        if len(groups) > 5 or sum(len(group.get("filters") or []) for group in groups) > 18:
            return self._validation("Too many filters: at most 5 groups and 18 filters")
        combined = pd.Series(False, index=frame.index)
        for group in groups:
            filters = group.get("filters") or []
            if len(filters) > 6:
                return self._validation("Too many filters in one group: at most 6")
            group_mask = pd.Series(True, index=frame.index)
            for item in filters:
                mask = _filter(frame, item)
                if mask is None:
                    return self._validation(f"Unsupported filter {item!r}")
                group_mask &= mask
            combined |= group_mask
        return combined

    def _sorted(self, frame: pd.DataFrame, sorts: list) -> pd.DataFrame:
        if not sorts:
            return frame.sort_values("created_at", kind="stable")
        rule = sorts[0]
        if isinstance(rule, str):
            name, descending = rule.lstrip("-"), rule.startswith("-")
        else:
            name = rule.get("propertyName", "")
            descending = str(rule.get("direction", "ASCENDING")).upper() == "DESCENDING"
        keys = _comparable(frame, name)
        order = pd.DataFrame({"key": keys, "id": frame.index}, index=frame.index)
        order = order.sort_values(["key", "id"], ascending=[not descending, True], kind="stable")
        return frame.loc[order.index]

    def _object_type(self, raw: str) -> str | None:
        raw = raw.lower()
        if raw in self.stores:
            return raw
        if raw in _TYPE_BY_ID:
            return _TYPE_BY_ID[raw]
        plural = {"contact": "contacts", "company": "companies", "deal": "deals"}.get(raw)
        return plural

    def _unknown_type(self, raw: str) -> Response:
        return Response(
            400, error_body(f"Unable to infer object type from: {raw}", "VALIDATION_ERROR")
        )

    def _validation(self, message: str) -> Response:
        return Response(400, error_body(message, "VALIDATION_ERROR"))


def _prepare(frame: pd.DataFrame) -> pd.DataFrame:
    frame = frame.copy()
    frame["id"] = frame["id"].astype("int64") if len(frame) else frame["id"]
    frame = frame.set_index("id", drop=True).sort_index()
    frame.index.name = None
    for column in ("archived",):
        if column not in frame.columns:
            frame[column] = False
        frame[column] = frame[column].fillna(False).astype(bool)
    for column in ("created_at", "updated_at", "archived_at"):
        if column not in frame.columns:
            frame[column] = None
        frame[column] = frame[column].astype("object")
    for column in frame.columns:
        if column not in HUBSPOT_RECORD_COLUMNS:
            frame[column] = frame[column].astype("object")
    return frame


def _both_directions(associations: pd.DataFrame) -> pd.DataFrame:
    forward = associations[["from_type", "from_id", "to_type", "to_id"]].astype(str)
    forward["type_id"] = associations["type_id"].astype(int).to_numpy()
    reverse = forward.rename(
        columns={
            "from_type": "to_type",
            "from_id": "to_id",
            "to_type": "from_type",
            "to_id": "from_id",
        }
    )
    reverse["type_id"] = [
        ASSOCIATION_TYPES.get((row.from_type, row.to_type), row.type_id)
        for row in reverse.itertuples()
    ]
    return pd.concat([forward, reverse[forward.columns]], ignore_index=True).drop_duplicates()


def _comparable(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in ("hs_object_id", "id"):
        return pd.Series(frame.index.to_numpy(), index=frame.index)
    if name not in frame.columns:
        return pd.Series(None, index=frame.index, dtype="object")
    column = frame[name]
    if name in DATE_PROPERTIES:
        parsed = pd.to_datetime(column, utc=True, errors="coerce", format="ISO8601")
        return (parsed.astype("int64") // 1_000_000).where(parsed.notna())
    numeric = pd.to_numeric(column, errors="coerce")
    if numeric.notna().sum() == column.notna().sum() and column.notna().any():
        return numeric
    return column


def _filter(frame: pd.DataFrame, item: dict) -> pd.Series | None:
    name = item.get("propertyName", "")
    operator = str(item.get("operator", "EQ")).upper()
    values = _comparable(frame, name)
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


def _split_list(raw: list[str] | str | None) -> list[str]:
    if raw is None:
        return []
    items = [raw] if isinstance(raw, str) else raw
    return [part.strip() for item in items for part in str(item).split(",") if part.strip()]


def _encode_after(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def _decode_after(token: str) -> int | None:
    try:
        padded = token + "=" * (-len(token) % 4)
        return int(base64.urlsafe_b64decode(padded.encode()).decode())
    except (ValueError, UnicodeDecodeError):
        return None


def _int(raw: str | None, default: int | None) -> int | None:
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        return None


def _string_or_none(value: object) -> str | None:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return None
    return str(value)


def _read_json(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}


def _now_iso() -> str:
    return iso_ms(time.time() * 1000) or ""
