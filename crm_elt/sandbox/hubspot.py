"""HubSpot CRM v3/v4 emulator over the generator's dataset (crm_elt/dataset.py).

Paths, parameters, bodies and errors follow API_NOTES.md §1: bearer auth, list with `limit`
<= 100 and an opaque `after`, `properties`, `propertiesWithHistory` (page max 50, also on batch
read; versions newest first: the dataset's values at creation, then one per change made while
serving), inline `associations`, `archived`; single and batch read (by id or a unique
`idProperty`); search with filter groups, one sort, `query`, `limit` <= 200 and the
10,000-result cap; batch create (with inline associations), batch update and PATCH (bump the
modified date); DELETE (archive) and merge; v3 and v4 association batch reads (v4 pages of 500
per input), v4 reads per record, v4 `PUT .../associations/default/...`, v4 batch/create,
batch/archive and `DELETE .../associations/{to}/{id}`; pipelines; properties.
Optional rate limits use the real headers and 429 bodies. Behaviour the notes leave unconfirmed
is a SandboxConfig knob.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import time
import uuid
from collections import deque
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa

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
SEARCHABLE_PROPERTIES = {
    "contacts": ("email", "firstname", "lastname", "phone", "company"),
    "companies": ("name", "domain", "website", "phone"),
    "deals": ("dealname",),
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
# type id -> (from, to, reverse type id), from the SDK enum in API_NOTES §1.3.
ASSOCIATION_TYPE_IDS = {
    1: ("contacts", "companies", 2),
    2: ("companies", "contacts", 1),
    3: ("deals", "contacts", 4),
    4: ("contacts", "deals", 3),
    5: ("deals", "companies", 6),
    6: ("companies", "deals", 5),
    279: ("contacts", "companies", 280),
    280: ("companies", "contacts", 279),
    341: ("deals", "companies", 342),
    342: ("companies", "deals", 341),
}
PRIMARY_TYPE_IDS = {1, 2, 5, 6}
UNLABELED_TYPE_OF_PRIMARY = {1: 279, 2: 280, 5: 341, 6: 342}
ASSOCIATION_PAGE_MAX = 500
ASSOCIATION_READ_INPUTS_MAX = 1000  # HubSpot changelog, 2025-02: batch/read takes <= 1000 ids
# propertiesWithHistory sources: the dataset's values read as if typed in the UI; touch (the
# control API) edits as a sandbox user; API writes as the sandbox private app.
SANDBOX_APP_ID = "2026001"
SANDBOX_USER_ID = 70000001
DATASET_SOURCE = {"sourceType": "CRM_UI"}
UI_SOURCE = {
    "sourceType": "CRM_UI",
    "sourceId": f"userId:{SANDBOX_USER_ID}",
    "updatedByUserId": SANDBOX_USER_ID,
}


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


class ObjectStore:
    """One object type: records sorted by numeric id, properties as string columns.

    The sorted positions of live and archived records are cached, so a list page costs a
    binary search and a slice rather than a scan; any change to `archived` must `invalidate()`.
    """

    def __init__(self, frame: pd.DataFrame):
        self._frame = frame  # index: int id, sorted; columns: record columns + properties
        self._positions: dict[bool, tuple[np.ndarray, np.ndarray]] | None = None
        self._comparables: dict[str, pd.Series] = {}
        self._arrow: pa.Table | None = None

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame

    @frame.setter
    def frame(self, frame: pd.DataFrame) -> None:
        self._frame = frame
        self.invalidate()

    def invalidate(self) -> None:
        """Call after any write: cached positions and search keys are rebuilt on demand."""
        self._positions = None
        self._comparables = {}
        self._arrow = None

    def comparable(self, name: str) -> pd.Series:
        """Search keys of one property (dates as epoch ms, numbers as floats), cached."""
        if name not in self._comparables:
            self._comparables[name] = _comparable(self._frame, name)
        return self._comparables[name]

    def ids_and_positions(self, archived: bool) -> tuple[np.ndarray, np.ndarray]:
        """(sorted ids, their row positions) of the live or the archived records."""
        if self._positions is None:
            flags = self._frame["archived"].to_numpy(dtype=bool)
            ids = self._frame.index.to_numpy()
            self._positions = {
                value: (ids[flags == value], np.flatnonzero(flags == value))
                for value in (False, True)
            }
        return self._positions[archived]

    @property
    def property_names(self) -> list[str]:
        return [column for column in self.frame.columns if column not in HUBSPOT_RECORD_COLUMNS]

    def rows(self, positions: np.ndarray, columns: list[str] | None = None) -> list[dict]:
        """The records at `positions` as dicts of Python values (missing values None).

        Cut from an Arrow copy of the frame, made once per change: converting a page's rows
        in C costs a fraction of pandas' per-value boxing.
        """
        if self._arrow is None:
            self._arrow = pa.Table.from_pandas(self._frame, preserve_index=False)
        table = self._arrow
        if columns is not None:
            table = table.select([name for name in columns if name in table.column_names])
        return table.take(pa.array(positions, type=pa.int64())).to_pylist()


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

    def recent(self, seconds: float) -> int:
        horizon = time.monotonic() - seconds
        with self.lock:
            return sum(1 for moment in self.calls if moment >= horizon)

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()


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
        # Loaded links; the index built from them on first use is the live store afterwards.
        self._loaded_associations: pd.DataFrame | None = associations
        self.properties = properties
        self.pipelines = pipelines
        self.config = config
        self.lock = threading.RLock()
        self.ten_secondly = RateLimiter(config.hubspot_ten_second_limit, 10.0)
        self.secondly = RateLimiter(config.hubspot_search_per_second, 1.0)
        self.daily = RateLimiter(config.hubspot_daily_limit, 86400.0)
        self._association_index: dict | None = None  # see _links()
        self._next_id = {
            name: int(store.frame.index.max()) + 1 if len(store.frame) else 1
            for name, store in stores.items()
        }
        # {type: {id: {property: versions, newest first}}} for properties changed while
        # serving; any other property's history is derived from its record (_derived_history).
        self._history: dict[str, dict[int, dict[str, list[dict]]]] = {}
        self._created_through_api: dict[str, set[int]] = {name: set() for name in stores}

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
        emulator = cls(stores, _both_directions(associations), properties, pipelines, config)
        # Indexed before serving, as the real API's links are: at 1M contacts this takes
        # about 9 s, which would otherwise stall the first association read of a client.
        emulator._links()
        return emulator

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
            ("POST", rf"{objects}/batch/create", self.batch_create),
            ("POST", rf"{objects}/merge", self.merge),
            (
                "GET",
                rf"{objects}/(\d+)",
                lambda kind, request, record_id: self.read_one(kind, int(record_id), request),
            ),
            (
                "PATCH",
                rf"{objects}/(\d+)",
                lambda kind, request, record_id: self.update_one(kind, int(record_id), request),
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
        if method == "POST" and (
            match := re.fullmatch(r"/crm/(v3|v4)/associations/([^/]+)/([^/]+)/batch/read", path)
        ):
            return self.association_batch_read(match[2], match[3], request, v3=match[1] == "v3")
        if method == "POST" and (
            match := re.fullmatch(r"/crm/v4/associations/([^/]+)/([^/]+)/batch/create", path)
        ):
            return self.association_batch_create(match[1], match[2], request)
        if method == "POST" and (
            match := re.fullmatch(r"/crm/v4/associations/([^/]+)/([^/]+)/batch/archive", path)
        ):
            return self.association_batch_archive(match[1], match[2], request)
        if method == "DELETE" and (
            match := re.fullmatch(r"/crm/v4/objects/([^/]+)/(\d+)/associations/([^/]+)/(\d+)", path)
        ):
            return self.association_delete(match[1], match[2], match[3], match[4])
        if method == "GET" and (
            match := re.fullmatch(r"/crm/v4/objects/([^/]+)/(\d+)/associations/([^/]+)", path)
        ):
            return self.record_associations(match[1], match[2], match[3], request)
        if method == "PUT" and (
            match := re.fullmatch(
                r"/crm/v4/objects/([^/]+)/(\d+)/associations/default/([^/]+)/(\d+)", path
            )
        ):
            return self.associate_default(match[1], match[2], match[3], match[4])
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
            "X-HubSpot-RateLimit-Secondly": str(self.config.hubspot_ten_second_limit // 10),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(
                max(self.config.hubspot_ten_second_limit // 10 - self.ten_secondly.recent(1.0), 0)
            ),
        }

    def reset_rate_limits(self) -> None:
        for limiter in (self.ten_secondly, self.secondly, self.daily):
            limiter.reset()

    def touch(
        self,
        object_type: str,
        count: int,
        updated_at_ms: int,
        properties: dict[str, object] | None = None,
    ) -> list[str]:
        """Edits the first `count` live records as a user in HubSpot's UI would at
        `updated_at_ms`: sets `properties` (if any) and bumps `updatedAt` and the modified date,
        each change a new version in propertiesWithHistory."""
        object_type = self._object_type(object_type) or object_type
        with self.lock:
            frame = self.stores[object_type].frame
            ids = frame.index[~frame["archived"].astype(bool)][:count]
            for record_id in ids:
                self._update(
                    object_type, int(record_id), properties or {}, updated_at_ms, UI_SOURCE
                )
        return [str(record_id) for record_id in ids]

    # ---- endpoints -----------------------------------------------------------------------

    def list_objects(self, object_type: str, request: Request) -> Response:
        history = _split_list(request.query.get("propertiesWithHistory"))
        # API_NOTES §1.1: propertiesWithHistory lowers the page max.
        page_max = self.config.hubspot_history_page_max if history else LIST_PAGE_MAX
        limit = _int(request.arg("limit"), 10)
        if limit is not None and limit > page_max and self.config.hubspot_clamp_list_limit:
            limit = page_max
        if limit is None or not 1 <= limit <= page_max:
            return self._validation(f"limit must be between 1 and {page_max}")
        archived = (request.arg("archived", "false") or "false").lower() == "true"
        properties = self._requested_properties(object_type, request.query.get("properties"))
        associations = _split_list(request.query.get("associations"))
        with self.lock:
            store = self.stores[object_type]
            ids, positions = store.ids_and_positions(archived)
            start = 0
            after = request.arg("after")
            if after:
                last_id = _decode_after(after)
                if last_id is None:
                    return self._validation("Invalid after cursor")
                start = int(np.searchsorted(ids, last_id, side="right"))
            page_positions = positions[start : start + limit]
            columns = None
            if properties is not None and not history:
                columns = [*HUBSPOT_RECORD_COLUMNS, *properties]
            results = [
                self._record(object_type, record_id, row, properties, associations, history)
                for record_id, row in zip(
                    store.frame.index[page_positions],
                    store.rows(page_positions, columns),
                    strict=True,
                )
            ]
            has_more = start + limit < len(ids)
        body: dict = {"results": results}
        if has_more and results:
            token = _encode_after(int(results[-1]["id"]))
            body["paging"] = {"next": {"after": token, "link": f"?after={token}"}}
        return Response(200, body)

    def read_one(self, object_type: str, record_id: int, request: Request) -> Response:
        properties = self._requested_properties(object_type, request.query.get("properties"))
        archived = (request.arg("archived", "false") or "false").lower() == "true"
        with self.lock:
            frame = self.stores[object_type].frame
            if record_id not in frame.index and self.config.hubspot_merged_read_survivor:
                record_id = self._survivor(frame, record_id)
            if record_id not in frame.index or bool(frame.at[record_id, "archived"]) != archived:
                return Response(404, error_body("Object not found", "OBJECT_NOT_FOUND"))
            row = frame.loc[record_id].to_dict()
            associations = _split_list(request.query.get("associations"))
            history = _split_list(request.query.get("propertiesWithHistory"))
            return Response(
                200, self._record(object_type, record_id, row, properties, associations, history)
            )

    @staticmethod
    def _survivor(frame: pd.DataFrame, merged_id: int) -> int:
        """The record whose hs_merged_object_ids lists `merged_id` (itself if none does)."""
        if "hs_merged_object_ids" not in frame.columns:
            return merged_id
        lists = frame["hs_merged_object_ids"].dropna().astype(str)
        pattern = rf"(?:^|;){merged_id}(?:;|$)"
        holders = lists.index[lists.str.contains(pattern, regex=True)]
        return int(holders[0]) if len(holders) else merged_id

    def batch_read(self, object_type: str, request: Request) -> Response:
        body = request.json() or {}
        inputs = body.get("inputs") or []
        history = _split_list(body.get("propertiesWithHistory"))
        inputs_max = self.config.hubspot_history_page_max if history else 100
        if len(inputs) > inputs_max:
            return self._validation(f"Too many inputs: at most {inputs_max}")
        properties = self._requested_properties(object_type, body.get("properties") or None)
        started = _now_iso()
        results, missing = [], []
        id_property = body.get("idProperty") or None
        with self.lock:
            frame = self.stores[object_type].frame
            ids_by_value = _ids_by_unique_value(frame, id_property) if id_property else None
            for item in inputs:
                wanted = str(item.get("id"))
                record_id = _int(wanted, None) if ids_by_value is None else ids_by_value.get(wanted)
                if (
                    record_id is None
                    or record_id not in frame.index
                    or frame.at[record_id, "archived"]
                ):
                    missing.append(wanted)
                    continue
                row = frame.loc[record_id].to_dict()
                results.append(self._record(object_type, record_id, row, properties, [], history))
        payload = _batch_body(results, started)
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
        now_ms = int(time.time() * 1000)
        results = []
        with self.lock:
            frame = self.stores[object_type].frame
            for item in inputs:
                record_id = _int(str(item.get("id")), None)
                if record_id is None or record_id not in frame.index:
                    return Response(404, error_body("Object not found", "OBJECT_NOT_FOUND"))
                properties = item.get("properties") or {}
                self._update(object_type, record_id, properties, now_ms, self._api_source())
                frame = self.stores[object_type].frame
                row = frame.loc[record_id].to_dict()
                results.append(self._record(object_type, record_id, row, None, []))
        return Response(
            200,
            _batch_body(results),
        )

    def update_one(self, object_type: str, record_id: int, request: Request) -> Response:
        """PATCH: new property values, a new version in each changed property's history."""
        try:
            body = request.json() or {}
        except json.JSONDecodeError:
            return self._validation("Invalid JSON body")
        with self.lock:
            frame = self.stores[object_type].frame
            if record_id not in frame.index or frame.at[record_id, "archived"]:
                return Response(404, error_body("Object not found", "OBJECT_NOT_FOUND"))
            properties = body.get("properties") or {}
            now_ms = int(time.time() * 1000)
            self._update(object_type, record_id, properties, now_ms, self._api_source())
            row = self.stores[object_type].frame.loc[record_id].to_dict()
            return Response(200, self._record(object_type, record_id, row, None, []))

    def archive(self, object_type: str, record_id: int) -> Response:
        """DELETE: the record moves to the archived list; its modified date does not change."""
        with self.lock:
            frame = self.stores[object_type].frame
            if record_id not in frame.index or frame.at[record_id, "archived"]:
                return Response(404, error_body("Object not found", "OBJECT_NOT_FOUND"))
            frame.at[record_id, "archived"] = True
            self.stores[object_type].invalidate()
            frame.at[record_id, "archived_at"] = int(time.time() * 1000)
        return Response(204, None)

    def merge(self, object_type: str, request: Request) -> Response:
        """The absorbed record vanishes; the survivor lists it in hs_merged_object_ids."""
        body = request.json() or {}
        primary = _int(str(body.get("primaryObjectId")), None)
        absorbed = _int(str(body.get("objectIdToMerge")), None)
        now_ms = int(time.time() * 1000)
        with self.lock:
            store = self.stores[object_type]
            frame = store.frame
            if primary not in frame.index or absorbed not in frame.index or primary == absorbed:
                return self._validation("primaryObjectId and objectIdToMerge must be two records")
            known = (
                frame.at[primary, "hs_merged_object_ids"]
                if ("hs_merged_object_ids" in frame.columns)
                else None
            )
            ids = [part for part in str(_string_or_none(known) or "").split(";") if part]
            merged_ids = ";".join([*ids, str(absorbed)])
            self._update(
                object_type,
                primary,
                {"hs_merged_object_ids": merged_ids},
                now_ms,
                self._api_source(),
            )
            store.frame = store.frame.drop(index=absorbed)
            self._history.get(object_type, {}).pop(absorbed, None)
            self._move_links(object_type, absorbed, primary)
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

    def association_batch_read(
        self, from_raw: str, to_raw: str, request: Request, v3: bool = False
    ) -> Response:
        """v4: per-input pages of 500 with `after`; v3: every target as `{id, type}`."""
        from_type, to_type = self._object_type(from_raw), self._object_type(to_raw)
        if from_type is None or to_type is None:
            return self._unknown_type(from_raw if from_type is None else to_raw)
        inputs = (request.json() or {}).get("inputs") or []
        if len(inputs) > ASSOCIATION_READ_INPUTS_MAX:
            return self._validation(f"Too many inputs: at most {ASSOCIATION_READ_INPUTS_MAX}")
        label = f"{_SINGULAR[from_type]}_to_{_SINGULAR[to_type]}"
        results = []
        with self.lock:
            for item in inputs:
                source_id = str(item.get("id"))
                targets = self._targets(from_type, source_id, to_type)
                if not targets:
                    continue
                if v3:
                    to = [{"id": str(target["toObjectId"]), "type": label} for target in targets]
                    results.append({"from": {"id": source_id}, "to": to})
                    continue
                start = _int(str(item.get("after") or 0), 0) or 0
                result: dict = {
                    "from": {"id": source_id},
                    "to": targets[start : start + ASSOCIATION_PAGE_MAX],
                }
                if start + ASSOCIATION_PAGE_MAX < len(targets):
                    result["paging"] = {"next": {"after": str(start + ASSOCIATION_PAGE_MAX)}}
                results.append(result)
        return Response(
            200,
            _batch_body(results),
        )

    def record_associations(
        self, from_raw: str, record_id: str, to_raw: str, request: Request
    ) -> Response:
        from_type, to_type = self._object_type(from_raw), self._object_type(to_raw)
        if from_type is None or to_type is None:
            return self._unknown_type(from_raw if from_type is None else to_raw)
        limit = _int(request.arg("limit"), ASSOCIATION_PAGE_MAX)
        if limit is None or not 1 <= limit <= ASSOCIATION_PAGE_MAX:
            return self._validation(f"limit must be between 1 and {ASSOCIATION_PAGE_MAX}")
        start = _int(request.arg("after"), 0)
        if start is None or start < 0:
            return self._validation("Invalid after cursor")
        with self.lock:
            targets = self._targets(from_type, record_id, to_type)
        body: dict = {"results": targets[start : start + limit]}
        if start + limit < len(targets):
            body["paging"] = {"next": {"after": str(start + limit)}}
        return Response(200, body)

    def associate_default(self, from_raw: str, from_id: str, to_raw: str, to_id: str) -> Response:
        """v4 `PUT .../associations/default/...`: the unlabeled association of the pair."""
        from_type, to_type = self._object_type(from_raw), self._object_type(to_raw)
        if from_type is None or to_type is None:
            return self._unknown_type(from_raw if from_type is None else to_raw)
        type_id = ASSOCIATION_TYPES[(from_type, to_type)]
        with self.lock:
            for object_type, object_id in ((from_type, from_id), (to_type, to_id)):
                if int(object_id) not in self.stores[object_type].frame.index:
                    return Response(404, error_body("Object not found", "OBJECT_NOT_FOUND"))
            self._add_links([(from_id, to_id, type_id)])
        return Response(
            200,
            {
                "status": "COMPLETE",
                "results": [
                    {
                        "from": {"id": from_id},
                        "to": {"id": to_id},
                        "associationSpec": {
                            "associationCategory": "HUBSPOT_DEFINED",
                            "associationTypeId": type_id,
                        },
                    }
                ],
                "startedAt": _now_iso(),
                "completedAt": _now_iso(),
            },
        )

    def association_batch_create(self, from_raw: str, to_raw: str, request: Request) -> Response:
        """v4 batch/create: 201 with one `LabelsBetweenObjectPair` per input; inputs naming a
        missing record or a type id that does not join the two object types are `errors` of a
        207 (or, when configured, fail the whole batch with a 400)."""
        parsed = self._association_write(from_raw, to_raw, request)
        if isinstance(parsed, Response):
            return parsed
        from_type, to_type, inputs = parsed
        started = _now_iso()
        links, results, errors = [], [], []
        with self.lock:
            for item in inputs:
                from_id, to_id = (_object_id(item.get(side)) for side in ("from", "to"))
                type_ids = []
                problem = self._missing_record(from_type, from_id, "fromObjectId") or (
                    self._missing_record(to_type, to_id, "toObjectId")
                )
                specs = item.get("types")
                for spec in specs if isinstance(specs, list) and specs else [{}]:
                    spec = spec if isinstance(spec, dict) else {}
                    type_id = _int(str(spec.get("associationTypeId")), None)
                    category = spec.get("associationCategory", "HUBSPOT_DEFINED")
                    if (
                        ASSOCIATION_TYPE_IDS.get(type_id, ())[:2] != (from_type, to_type)
                        or category != "HUBSPOT_DEFINED"
                    ):
                        problem = problem or _batch_error(
                            "VALIDATION_ERROR",
                            f"{category} association type {spec.get('associationTypeId')} does "
                            f"not exist from {from_type} to {to_type}",
                            associationTypeId=[str(spec.get("associationTypeId"))],
                        )
                    type_ids.append(type_id)
                if problem:
                    errors.append(problem)
                    continue
                links += [(from_id, to_id, type_id) for type_id in type_ids]
                results.append(
                    {
                        "fromObjectTypeId": HUBSPOT_OBJECT_TYPE_IDS[from_type],
                        "fromObjectId": int(from_id),
                        "toObjectTypeId": HUBSPOT_OBJECT_TYPE_IDS[to_type],
                        "toObjectId": int(to_id),
                        "labels": ["Primary"] if PRIMARY_TYPE_IDS & set(type_ids) else [],
                    }
                )
            if errors and not self.config.hubspot_association_errors_multi_status:
                return Response(
                    400,
                    error_body(errors[0]["message"], "VALIDATION_ERROR", errors=errors, context={}),
                )
            self._add_links(links)
        payload = _batch_body(results, started)
        if errors:
            payload |= {"numErrors": len(errors), "errors": errors}
            return Response(207, payload)
        return Response(201, payload)

    def _association_write(
        self, from_raw: str, to_raw: str, request: Request
    ) -> tuple[str, str, list] | Response:
        """(from type, to type, inputs) of a v4 association write, or its error response."""
        from_type, to_type = self._object_type(from_raw), self._object_type(to_raw)
        if from_type is None or to_type is None:
            return self._unknown_type(from_raw if from_type is None else to_raw)
        inputs = self._association_inputs(request)
        if isinstance(inputs, Response):
            return inputs
        return from_type, to_type, inputs

    def association_batch_archive(self, from_raw: str, to_raw: str, request: Request) -> Response:
        """v4 batch/archive: every association type between each pair goes, in both
        directions; pairs that were not linked are ignored. 204 with no body."""
        parsed = self._association_write(from_raw, to_raw, request)
        if isinstance(parsed, Response):
            return parsed
        from_type, to_type, inputs = parsed
        pairs = []
        for item in inputs:
            targets = item.get("to")
            if not isinstance(targets, list):
                return self._validation("Each input needs `to`: a list of {id}")
            from_id = _int(_object_id(item.get("from")), None)
            to_ids = [_int(_object_id(target), None) for target in targets]
            if from_id is None or None in to_ids:
                return self._validation("Object ids must be numeric strings")
            pairs += [(str(from_id), str(to_id)) for to_id in to_ids]
        with self.lock:
            self._remove_links(from_type, to_type, pairs)
        return Response(204, None)

    def association_delete(self, from_raw: str, from_id: str, to_raw: str, to_id: str):
        """v4 `DELETE /crm/v4/objects/{from}/{id}/associations/{to}/{toId}`: 204."""
        from_type, to_type = self._object_type(from_raw), self._object_type(to_raw)
        if from_type is None or to_type is None:
            return self._unknown_type(from_raw if from_type is None else to_raw)
        with self.lock:
            self._remove_links(from_type, to_type, [(from_id, to_id)])
        return Response(204, None)

    def remove_associations(
        self, from_raw: str, to_raw: str, pairs: list[tuple[str, str]] | None, count: int
    ) -> list[tuple[str, str]]:
        """The control API's association removal: the given pairs, or else the first `count`
        linked pairs in id order. Returns the pairs that were linked and are gone now."""
        from_type, to_type = self._object_type(from_raw), self._object_type(to_raw)
        if from_type is None or to_type is None:
            raise ValueError(f"unknown object type in {from_raw!r} -> {to_raw!r}")
        with self.lock:
            if pairs is None:
                by_source = self._links().get((from_type, to_type), {})
                pairs = [
                    (from_id, str(to_id))
                    for from_id in sorted(by_source, key=int)
                    for to_id in sorted(by_source[from_id])
                ][:count]
            return self._remove_links(from_type, to_type, [(str(a), str(b)) for a, b in pairs])

    def _association_inputs(self, request: Request) -> list[dict] | Response:
        try:
            body = request.json() or {}
        except json.JSONDecodeError:
            return self._validation("Invalid JSON body")
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not all(isinstance(item, dict) for item in inputs):
            return self._validation("The body needs `inputs`: a list of objects")
        limit = self.config.hubspot_association_batch_max
        if len(inputs) > limit:
            return self._validation(f"Too many inputs: at most {limit}")
        return inputs

    def _missing_record(self, object_type: str, raw_id: str, field_name: str) -> dict | None:
        """The batch error for an id that names no live record of `object_type`, else None."""
        record_id = _int(raw_id, None)
        frame = self.stores[object_type].frame
        if (
            record_id is not None
            and record_id in frame.index
            and not frame.at[record_id, "archived"]
        ):
            return None
        return _batch_error(
            "OBJECT_NOT_FOUND",
            f"No {_SINGULAR[object_type]} with id {raw_id} exists",
            **{field_name: [raw_id]},
        )

    def batch_create(self, object_type: str, request: Request) -> Response:
        """Creates records (ids after the highest), with the inputs' inline associations."""
        body = request.json() or {}
        inputs = body.get("inputs") or []
        if len(inputs) > 100:
            return self._validation("Too many inputs: at most 100")
        modified_property = HUBSPOT_MODIFIED_PROPERTY[object_type]
        now_ms = int(time.time() * 1000)
        links = []
        for item in inputs:
            for association in item.get("associations") or []:
                for spec in association.get("types") or []:
                    type_id = _int(str(spec.get("associationTypeId")), None)
                    if type_id not in ASSOCIATION_TYPE_IDS:
                        return self._validation(f"Unknown associationTypeId {type_id}")
                    if ASSOCIATION_TYPE_IDS[type_id][0] != object_type:
                        return self._validation(
                            f"associationTypeId {type_id} does not start at {object_type}"
                        )
        with self.lock:
            store = self.stores[object_type]
            rows, ids = [], []
            for item in inputs:
                record_id = self._next_id[object_type]
                self._next_id[object_type] += 1
                properties = {
                    name: None if value is None else str(value)
                    for name, value in (item.get("properties") or {}).items()
                }
                properties.setdefault("createdate", iso_ms(now_ms))
                properties[modified_property] = iso_ms(now_ms)
                rows.append(
                    {
                        **properties,
                        "archived": False,
                        "created_at": now_ms,
                        "updated_at": now_ms,
                        "archived_at": None,
                    }
                )
                ids.append(record_id)
                self._created_through_api[object_type].add(record_id)
                for association in item.get("associations") or []:
                    to_id = str((association.get("to") or {}).get("id"))
                    for spec in association.get("types") or []:
                        links.append((str(record_id), to_id, int(spec["associationTypeId"])))
            if rows:
                created = pd.DataFrame(rows, index=ids, dtype="object")
                # Same columns and dtypes on both sides, so concat needs no dtype guessing.
                columns = store.frame.columns.union(created.columns, sort=False)
                existing = store.frame.reindex(columns=columns)
                for name in columns.difference(store.frame.columns):
                    existing[name] = existing[name].astype("object")
                created = created.reindex(columns=columns).astype(existing.dtypes.to_dict())
                merged = created if existing.empty else pd.concat([existing, created])
                store.frame = merged.sort_index()
            self._add_links(links)
            frame = store.frame
            results = []
            for record_id, item in zip(ids, inputs, strict=True):
                row = frame.loc[record_id].to_dict()
                results.append(self._record(object_type, record_id, row, None, []))
                # Echoed so a client can pair results with inputs without trusting their order.
                if item.get("objectWriteTraceId") is not None:
                    results[-1]["objectWriteTraceId"] = str(item["objectWriteTraceId"])
        return Response(
            201,
            _batch_body(results),
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
        history: list[str] | None = None,
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
        if history:
            changed = self._history.get(object_type, {}).get(record_id, {})
            record["propertiesWithHistory"] = {
                name: [dict(version) for version in changed[name]]
                if name in changed
                else self._derived_history(object_type, record_id, name, row)
                for name in history
                if name in row or name == "hs_object_id"
            }
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
            label = f"{_SINGULAR[object_type]}_to_{_SINGULAR[to_type]}"
            results = []
            for target in self._targets(object_type, record_id, to_type):
                to_id = str(target["toObjectId"])
                results.append({"id": to_id, "type": label})
                results.append({"id": to_id, "type": f"{label}_unlabeled"})
            if results:
                inline[to_type] = {"results": results}
        return inline

    def _targets(self, from_type: str, record_id: str, to_type: str) -> list[dict]:
        """v4 `{toObjectId, associationTypes}` of one record, ordered by target id."""
        targets = self._links().get((from_type, to_type), {}).get(str(record_id), {})
        return [
            {
                "toObjectId": to_id,
                "associationTypes": [
                    {
                        "category": "HUBSPOT_DEFINED",
                        "typeId": type_id,
                        "label": "Primary" if type_id in PRIMARY_TYPE_IDS else None,
                    }
                    for type_id in sorted(targets[to_id])
                ],
            }
            for to_id in sorted(targets)
        ]

    def _api_source(self) -> dict:
        return {
            "sourceType": self.config.hubspot_api_write_source_type,
            "sourceId": SANDBOX_APP_ID,
        }

    def _update(
        self, object_type: str, record_id: int, values: dict, moment_ms: int, source: dict
    ) -> None:
        """An edit at `moment_ms`: new property values, then the modified date and `updatedAt`.

        The caller holds the lock.
        """
        self._write_properties(object_type, record_id, values, moment_ms, source)
        self._bump_modified(object_type, record_id, moment_ms, source)

    def _bump_modified(self, object_type: str, record_id: int, moment_ms: int, source: dict):
        modified_property = HUBSPOT_MODIFIED_PROPERTY[object_type]
        self._write_properties(
            object_type, record_id, {modified_property: iso_ms(moment_ms)}, moment_ms, source
        )
        self.stores[object_type].frame.at[record_id, "updated_at"] = moment_ms

    def _write_properties(
        self, object_type: str, record_id: int, values: dict, moment_ms: int, source: dict
    ) -> None:
        """Sets property values; each value that changes adds a version to its history.

        A property's first change keeps the history derived from the record before it, so the
        dataset's versions stay below the new ones. The caller holds the lock.
        """
        store = self.stores[object_type]
        frame = store.frame
        before = frame.loc[record_id].to_dict()
        changed = self._history.setdefault(object_type, {}).setdefault(record_id, {})
        for name, raw in values.items():
            value = None if raw is None else str(raw)
            if name not in frame.columns:
                frame[name] = pd.Series(None, index=frame.index, dtype="object")
            if _string_or_none(before.get(name)) == value:
                continue
            if name not in changed:
                changed[name] = self._derived_history(object_type, record_id, name, before)
            changed[name].insert(0, {"value": value, "timestamp": iso_ms(moment_ms), **source})
            frame.at[record_id, name] = value
        store.invalidate()

    def _derived_history(self, object_type: str, record_id: int, name: str, row: dict) -> list:
        """The history of a property nobody changed while serving, from the record alone.

        Each value was set when the record was created; the modified date also holds its
        creation value below the last modification. A property without a value has no history.
        """
        value = str(record_id) if name == "hs_object_id" else _string_or_none(row.get(name))
        if value is None:
            return []
        updated_ms = row.get("updated_at")
        created_ms = row.get("created_at")
        if created_ms is None or pd.isna(created_ms):
            created_ms = updated_ms
        source = (
            self._api_source()
            if record_id in self._created_through_api[object_type]
            else DATASET_SOURCE
        )
        created = {"value": value, "timestamp": iso_ms(created_ms), **source}
        if (
            name == HUBSPOT_MODIFIED_PROPERTY[object_type]
            and updated_ms is not None
            and not pd.isna(updated_ms)
            and not pd.isna(created_ms)
            and int(updated_ms) > int(created_ms)
        ):
            first = _string_or_none(row.get("createdate")) or iso_ms(created_ms)
            return [
                {"value": value, "timestamp": iso_ms(updated_ms), **source},
                {**created, "value": first},
            ]
        return [created]

    def _links(self) -> dict[tuple[str, str], dict[str, dict[int, set[int]]]]:
        """{(from type, to type): {from id: {to id: type ids}}}, both directions of every link.

        Built from the dataset on first use (a scan of every link), then changed in place.
        """
        if self._association_index is None:
            index: dict = {}
            links = self._loaded_associations
            # Columns converted whole and plain dict lookups: millions of links take seconds.
            for (from_kind, to_kind), group in links.groupby(["from_type", "to_type"], sort=False):
                by_from = index.setdefault((from_kind, to_kind), {})
                for from_id, to_id, type_id in zip(
                    group["from_id"].astype(str).tolist(),
                    group["to_id"].astype("int64").tolist(),
                    group["type_id"].astype("int64").tolist(),
                    strict=True,
                ):
                    targets = by_from.get(from_id)
                    if targets is None:
                        targets = by_from[from_id] = {}
                    types = targets.get(to_id)
                    if types is None:
                        targets[to_id] = {type_id}
                    else:
                        types.add(type_id)
            self._association_index = index
            self._loaded_associations = None
        return self._association_index

    def _add_links(self, links: list[tuple[str, str, int]]) -> set[tuple[str, int]]:
        """Stores (from id, to id, type id) in both directions; the caller holds the lock.

        A labelled type (Primary) brings its unlabeled type along, as in HubSpot, where every
        labelled association is also an unlabeled one. Returns the (type, id) of both ends.
        """
        index = self._links()
        ends = set()
        for from_id, to_id, type_id in links:
            for one_type in (type_id, UNLABELED_TYPE_OF_PRIMARY.get(type_id)):
                if one_type is None:
                    continue
                from_type, to_type, reverse_id = ASSOCIATION_TYPE_IDS[one_type]
                forward = index.setdefault((from_type, to_type), {}).setdefault(str(from_id), {})
                forward.setdefault(int(to_id), set()).add(one_type)
                backward = index.setdefault((to_type, from_type), {}).setdefault(str(to_id), {})
                backward.setdefault(int(from_id), set()).add(reverse_id)
            ends |= {(from_type, int(from_id)), (to_type, int(to_id))}
        self._after_association_change(ends)
        return ends

    def _remove_links(
        self, from_type: str, to_type: str, pairs: list[tuple[str, str]]
    ) -> list[tuple[str, str]]:
        """Removes every association type between each (from id, to id), in both directions.

        Returns the pairs that were linked; the caller holds the lock.
        """
        index = self._links()
        forward, backward = index.get((from_type, to_type), {}), index.get((to_type, from_type), {})
        removed = []
        for from_id, to_id in pairs:
            targets = forward.get(str(from_id), {})
            if targets.pop(int(to_id), None) is None:
                continue
            removed.append((str(from_id), str(to_id)))
            if not targets:
                forward.pop(str(from_id), None)
            sources = backward.get(str(to_id), {})
            sources.pop(int(from_id), None)
            if not sources:
                backward.pop(str(to_id), None)
        self._after_association_change(
            {(from_type, int(a)) for a, _ in removed} | {(to_type, int(b)) for _, b in removed}
        )
        return removed

    def _move_links(self, object_type: str, absorbed: int, primary: int) -> None:
        """A merge: the absorbed record's links now start and end at the survivor."""
        index = self._links()
        for (from_type, to_type), by_source in list(index.items()):
            if from_type != object_type:
                continue
            moved = by_source.pop(str(absorbed), {})
            survivor = by_source.setdefault(str(primary), {})
            for to_id, type_ids in moved.items():
                survivor.setdefault(to_id, set()).update(type_ids)
                reverse = index.get((to_type, from_type), {}).get(str(to_id), {})
                reverse.setdefault(primary, set()).update(reverse.pop(absorbed, set()))
            if not survivor:
                by_source.pop(str(primary))

    def _after_association_change(self, ends: set[tuple[str, int]]) -> None:
        """Bumps the modified date of both ends when configured (unconfirmed behaviour)."""
        if not ends or not self.config.hubspot_association_change_bumps_modified:
            return
        now_ms = int(time.time() * 1000)
        for object_type, record_id in ends:
            frame = self.stores[object_type].frame
            if record_id in frame.index and not frame.at[record_id, "archived"]:
                self._bump_modified(object_type, record_id, now_ms, self._api_source())

    def _requested_properties(self, object_type: str, raw: list[str] | None) -> list[str] | None:
        if raw is None:
            return DEFAULT_PROPERTIES[object_type]
        names = [name for name in _split_list(raw) if name]
        return names or DEFAULT_PROPERTIES[object_type]

    def _filter_mask(self, store: ObjectStore, groups: list[dict]) -> pd.Series | Response:
        frame = store.frame
        if not groups:
            return pd.Series(True, index=frame.index)
        config = self.config
        if len(groups) > config.hubspot_search_max_groups or (
            sum(len(group.get("filters") or []) for group in groups)
            > config.hubspot_search_max_filters
        ):
            return self._validation(
                f"Too many filters: at most {config.hubspot_search_max_groups} groups and "
                f"{config.hubspot_search_max_filters} filters"
            )
        combined = pd.Series(False, index=frame.index)
        for group in groups:
            filters = group.get("filters") or []
            if len(filters) > config.hubspot_search_max_filters_per_group:
                return self._validation(
                    "Too many filters in one group: at most "
                    f"{config.hubspot_search_max_filters_per_group}"
                )
            group_mask = pd.Series(True, index=frame.index)
            for item in filters:
                mask = _filter(store.comparable(item.get("propertyName", "")), item)
                if mask is None:
                    return self._validation(f"Unsupported filter {item!r}")
                group_mask &= mask
            combined |= group_mask
        return combined

    def _query_mask(self, store: ObjectStore, object_type: str, text: str) -> pd.Series:
        """`query`: a case-insensitive substring of any default searchable property."""
        frame, needle = store.frame, text.lower()
        mask = pd.Series(False, index=frame.index)
        for name in SEARCHABLE_PROPERTIES[object_type]:
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


def _object_id(reference: object) -> str:
    """The id of an input's `{"id": ...}`, as a string ("None" when absent)."""
    return str(reference.get("id")) if isinstance(reference, dict) else "None"


def _batch_error(category: str, message: str, **context: list[str]) -> dict:
    """One entry of a batch response's `errors` (the spec's StandardError)."""
    return {
        "status": "error",
        "category": category,
        "message": message,
        "context": context,
        "errors": [],
        "links": {},
    }


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


def _filter(values: pd.Series, item: dict) -> pd.Series | None:
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


def _ids_by_unique_value(frame: pd.DataFrame, id_property: str) -> dict[str, int]:
    """Live record id by the value of a unique property (batch read's `idProperty`)."""
    if id_property not in frame.columns:
        return {}
    live = frame.loc[~frame["archived"].astype(bool), id_property].dropna()
    return {str(value): int(record_id) for record_id, value in live.items()}


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


def _batch_body(results: list, started: str | None = None) -> dict:
    """The body of a completed batch call (callers add `numErrors`/`errors` when some failed)."""
    return {
        "status": "COMPLETE",
        "results": results,
        "startedAt": started or _now_iso(),
        "completedAt": _now_iso(),
    }


def _now_iso() -> str:
    return iso_ms(time.time() * 1000) or ""
