"""Records: list, read, batch read, and every write (create, update, archive, merge), with
propertiesWithHistory; and how one record is rendered in HubSpot's shape (API_NOTES §1.1, §1.6).

A mixin of HubSpotEmulator (emulator.py), which holds the stores, the lock and the config.
Property history: the dataset's values read as if typed in the UI; touch (the control API)
edits as a sandbox user; API writes as the sandbox private app.
"""

from __future__ import annotations

import json
import time

import numpy as np
import pandas as pd

from crm_elt.dataset import HUBSPOT_RECORD_COLUMNS
from crm_elt.sandbox.hubspot.associations import ASSOCIATION_TYPE_IDS
from crm_elt.sandbox.hubspot.object_types import OBJECT_TYPES_BY_NAME
from crm_elt.sandbox.hubspot.store import ids_by_unique_value
from crm_elt.sandbox.hubspot.wire import (
    batch_body,
    decode_after,
    encode_after,
    iso_ms,
    not_found,
    now_iso,
    parse_int,
    split_list,
    string_or_none,
    validation_error,
)
from crm_elt.sandbox.protocol import Request, Response

LIST_PAGE_MAX = 100
SANDBOX_APP_ID = "2026001"
SANDBOX_USER_ID = 70000001
DATASET_SOURCE = {"sourceType": "CRM_UI"}
UI_SOURCE = {
    "sourceType": "CRM_UI",
    "sourceId": f"userId:{SANDBOX_USER_ID}",
    "updatedByUserId": SANDBOX_USER_ID,
}


class RecordEndpoints:
    """Reads and writes over the stores and history of HubSpotEmulator (emulator.py)."""

    # ---- reads ---------------------------------------------------------------------------

    def list_objects(self, request: Request, object_type: str) -> Response:
        history = split_list(request.query.get("propertiesWithHistory"))
        # API_NOTES §1.1: propertiesWithHistory lowers the page max.
        page_max = self.config.hubspot_history_page_max if history else LIST_PAGE_MAX
        limit = parse_int(request.arg("limit"), 10)
        if limit is not None and limit > page_max and self.config.hubspot_clamp_list_limit:
            limit = page_max
        if limit is None or not 1 <= limit <= page_max:
            return validation_error(f"limit must be between 1 and {page_max}")
        archived = (request.arg("archived", "false") or "false").lower() == "true"
        properties = self._requested_properties(object_type, request.query.get("properties"))
        associations = split_list(request.query.get("associations"))
        with self.lock:
            store = self.stores[object_type]
            ids, positions = store.ids_and_positions(archived)
            start = 0
            after = request.arg("after")
            if after:
                last_id = decode_after(after)
                if last_id is None:
                    return validation_error("Invalid after cursor")
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
            token = encode_after(int(results[-1]["id"]))
            body["paging"] = {"next": {"after": token, "link": f"?after={token}"}}
        return Response(200, body)

    def read_one(self, request: Request, object_type: str, raw_id: str) -> Response:
        record_id = int(raw_id)
        properties = self._requested_properties(object_type, request.query.get("properties"))
        archived = (request.arg("archived", "false") or "false").lower() == "true"
        with self.lock:
            frame = self.stores[object_type].frame
            if record_id not in frame.index and self.config.hubspot_merged_read_survivor:
                record_id = self._survivor(frame, record_id)
            if record_id not in frame.index or bool(frame.at[record_id, "archived"]) != archived:
                return not_found()
            row = frame.loc[record_id].to_dict()
            associations = split_list(request.query.get("associations"))
            history = split_list(request.query.get("propertiesWithHistory"))
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

    def batch_read(self, request: Request, object_type: str) -> Response:
        body = request.json() or {}
        inputs = body.get("inputs") or []
        history = split_list(body.get("propertiesWithHistory"))
        inputs_max = self.config.hubspot_history_page_max if history else 100
        if len(inputs) > inputs_max:
            return validation_error(f"Too many inputs: at most {inputs_max}")
        properties = self._requested_properties(object_type, body.get("properties") or None)
        started = now_iso()
        results, missing = [], []
        id_property = body.get("idProperty") or None
        with self.lock:
            frame = self.stores[object_type].frame
            ids_by_value = ids_by_unique_value(frame, id_property) if id_property else None
            for item in inputs:
                wanted = str(item.get("id"))
                record_id = (
                    parse_int(wanted, None) if ids_by_value is None else ids_by_value.get(wanted)
                )
                if (
                    record_id is None
                    or record_id not in frame.index
                    or frame.at[record_id, "archived"]
                ):
                    missing.append(wanted)
                    continue
                row = frame.loc[record_id].to_dict()
                results.append(self._record(object_type, record_id, row, properties, [], history))
        payload = batch_body(results, started)
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

    # ---- writes --------------------------------------------------------------------------

    def batch_create(self, request: Request, object_type: str) -> Response:
        """Creates records (ids after the highest), with the inputs' inline associations."""
        body = request.json() or {}
        inputs = body.get("inputs") or []
        if len(inputs) > 100:
            return validation_error("Too many inputs: at most 100")
        modified_property = OBJECT_TYPES_BY_NAME[object_type].modified_property
        now_ms = int(time.time() * 1000)
        links = []
        for item in inputs:
            for association in item.get("associations") or []:
                for spec in association.get("types") or []:
                    type_id = parse_int(str(spec.get("associationTypeId")), None)
                    if type_id not in ASSOCIATION_TYPE_IDS:
                        return validation_error(f"Unknown associationTypeId {type_id}")
                    if ASSOCIATION_TYPE_IDS[type_id][0] != object_type:
                        return validation_error(
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
                properties.setdefault(
                    OBJECT_TYPES_BY_NAME[object_type].created_property, iso_ms(now_ms)
                )
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
            batch_body(results),
        )

    def batch_update(self, request: Request, object_type: str) -> Response:
        """All or nothing: an unknown or archived id, or a value HubSpot would refuse, fails
        the whole batch before any record changes."""
        body = request.json() or {}
        inputs = body.get("inputs") or []
        if len(inputs) > 100:
            return validation_error("Too many inputs: at most 100")
        now_ms = int(time.time() * 1000)
        results = []
        with self.lock:
            frame = self.stores[object_type].frame
            updates = []
            for item in inputs:
                record_id = parse_int(str(item.get("id")), None)
                if (
                    record_id is None
                    or record_id not in frame.index
                    or frame.at[record_id, "archived"]
                ):
                    return not_found()
                properties = item.get("properties") or {}
                refused = self.invalid_property_values(object_type, properties)
                if refused is not None:
                    return refused
                updates.append((record_id, properties))
            for record_id, properties in updates:
                self._update(object_type, record_id, properties, now_ms, self._api_source())
                frame = self.stores[object_type].frame
                row = frame.loc[record_id].to_dict()
                results.append(self._record(object_type, record_id, row, None, []))
        return Response(
            200,
            batch_body(results),
        )

    def update_one(self, request: Request, object_type: str, raw_id: str) -> Response:
        """PATCH: new property values, a new version in each changed property's history."""
        record_id = int(raw_id)
        try:
            body = request.json() or {}
        except json.JSONDecodeError:
            return validation_error("Invalid JSON body")
        with self.lock:
            frame = self.stores[object_type].frame
            if record_id not in frame.index or frame.at[record_id, "archived"]:
                return not_found()
            properties = body.get("properties") or {}
            refused = self.invalid_property_values(object_type, properties)
            if refused is not None:
                return refused
            now_ms = int(time.time() * 1000)
            self._update(object_type, record_id, properties, now_ms, self._api_source())
            row = self.stores[object_type].frame.loc[record_id].to_dict()
            return Response(200, self._record(object_type, record_id, row, None, []))

    def archive(self, request: Request, object_type: str, raw_id: str) -> Response:
        """DELETE: the record moves to the archived list; its modified date does not change."""
        record_id = int(raw_id)
        with self.lock:
            frame = self.stores[object_type].frame
            if record_id not in frame.index or frame.at[record_id, "archived"]:
                return not_found()
            frame.at[record_id, "archived"] = True
            self.stores[object_type].invalidate()
            frame.at[record_id, "archived_at"] = int(time.time() * 1000)
        return Response(204, None)

    def merge(self, request: Request, object_type: str) -> Response:
        """The absorbed record vanishes; the survivor lists it in hs_merged_object_ids."""
        body = request.json() or {}
        primary = parse_int(str(body.get("primaryObjectId")), None)
        absorbed = parse_int(str(body.get("objectIdToMerge")), None)
        now_ms = int(time.time() * 1000)
        with self.lock:
            store = self.stores[object_type]
            frame = store.frame
            if primary not in frame.index or absorbed not in frame.index or primary == absorbed:
                return validation_error("primaryObjectId and objectIdToMerge must be two records")
            known = (
                frame.at[primary, "hs_merged_object_ids"]
                if ("hs_merged_object_ids" in frame.columns)
                else None
            )
            ids = [part for part in str(string_or_none(known) or "").split(";") if part]
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

    # ---- rendering and history -------------------------------------------------------------

    def _requested_properties(self, object_type: str, raw: list[str] | None) -> list[str] | None:
        defaults = list(OBJECT_TYPES_BY_NAME[object_type].default_properties)
        if raw is None:
            return defaults
        names = [name for name in split_list(raw) if name]
        return names or defaults

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
        values = {name: string_or_none(row.get(name)) for name in names if name in row}
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
        modified_property = OBJECT_TYPES_BY_NAME[object_type].modified_property
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
            if string_or_none(before.get(name)) == value:
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
        value = str(record_id) if name == "hs_object_id" else string_or_none(row.get(name))
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
            name == OBJECT_TYPES_BY_NAME[object_type].modified_property
            and updated_ms is not None
            and not pd.isna(updated_ms)
            and not pd.isna(created_ms)
            and int(updated_ms) > int(created_ms)
        ):
            first = string_or_none(row.get("createdate")) or iso_ms(created_ms)
            return [
                {"value": value, "timestamp": iso_ms(updated_ms), **source},
                {**created, "value": first},
            ]
        return [created]
