"""Associations: the link index, inline `associations` on records, v3 batch read, v4 batch
read/create/archive, v4 reads, default writes and deletes per record (API_NOTES §1.3).

Links are kept in both directions, each with its association type ids (the SDK enum below);
a labelled (Primary) type brings its unlabeled type along, as in HubSpot. Object types with no
association type ids here (tickets, calls, ...) read as unlinked. AssociationEndpoints is a
mixin of HubSpotEmulator (emulator.py).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd

from crm_elt.dataset import sandbox_path
from crm_elt.sandbox.hubspot.object_types import OBJECT_TYPES_BY_NAME
from crm_elt.sandbox.hubspot.wire import (
    batch_body,
    batch_error,
    error_body,
    not_found,
    now_iso,
    object_id,
    parse_int,
    validation_error,
)
from crm_elt.sandbox.protocol import Request, Response

# (from, to) -> the unlabeled type id, served for associations stored in the other direction.
ASSOCIATION_TYPES = {
    ("deals", "contacts"): 3,
    ("contacts", "deals"): 4,
    ("deals", "companies"): 341,
    ("companies", "deals"): 342,
    ("contacts", "companies"): 279,
    ("companies", "contacts"): 280,
}
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


def load_associations(data_dir: Path) -> pd.DataFrame:
    """The dataset's links (stored in one direction) in both directions."""
    path = sandbox_path(data_dir, "hubspot_associations.parquet")
    links = (
        pd.read_parquet(path)
        if path.is_file()
        else pd.DataFrame(columns=["from_type", "from_id", "to_type", "to_id", "type_id"])
    )
    return _both_directions(links)


def _label(from_type: str, to_type: str) -> str:
    """The v3 association label, e.g. deal_to_contact."""
    return f"{OBJECT_TYPES_BY_NAME[from_type].singular}_to_{OBJECT_TYPES_BY_NAME[to_type].singular}"


class AssociationEndpoints:
    """Association endpoints, and the link index they share with merges and creates."""

    # ---- endpoints -----------------------------------------------------------------------

    def association_batch_read_v3(self, request: Request, from_type: str, to_type: str) -> Response:
        return self.association_batch_read(request, from_type, to_type, v3=True)

    def association_batch_read(
        self, request: Request, from_type: str, to_type: str, v3: bool = False
    ) -> Response:
        """v4: per-input pages of 500 with `after`; v3: every target as `{id, type}`."""
        inputs = (request.json() or {}).get("inputs") or []
        if len(inputs) > ASSOCIATION_READ_INPUTS_MAX:
            return validation_error(f"Too many inputs: at most {ASSOCIATION_READ_INPUTS_MAX}")
        label = _label(from_type, to_type)
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
                start = parse_int(str(item.get("after") or 0), 0) or 0
                result: dict = {
                    "from": {"id": source_id},
                    "to": targets[start : start + ASSOCIATION_PAGE_MAX],
                }
                if start + ASSOCIATION_PAGE_MAX < len(targets):
                    result["paging"] = {"next": {"after": str(start + ASSOCIATION_PAGE_MAX)}}
                results.append(result)
        return Response(
            200,
            batch_body(results),
        )

    def record_associations(
        self, request: Request, from_type: str, record_id: str, to_type: str
    ) -> Response:
        limit = parse_int(request.arg("limit"), ASSOCIATION_PAGE_MAX)
        if limit is None or not 1 <= limit <= ASSOCIATION_PAGE_MAX:
            return validation_error(f"limit must be between 1 and {ASSOCIATION_PAGE_MAX}")
        start = parse_int(request.arg("after"), 0)
        if start is None or start < 0:
            return validation_error("Invalid after cursor")
        with self.lock:
            targets = self._targets(from_type, record_id, to_type)
        body: dict = {"results": targets[start : start + limit]}
        if start + limit < len(targets):
            body["paging"] = {"next": {"after": str(start + limit)}}
        return Response(200, body)

    def record_associations_v3(
        self, request: Request, from_type: str, record_id: str, to_type: str
    ) -> Response:
        """v3 `GET /crm/v3/objects/{type}/{id}/associations/{toType}`: v4's pages, each target
        as `{id, type}` twice (labelled and unlabeled), as inline associations are."""
        page = self.record_associations(request, from_type, record_id, to_type)
        if page.status != 200:
            return page
        label = _label(from_type, to_type)
        results = [
            {"id": str(target["toObjectId"]), "type": kind}
            for target in page.body["results"]
            for kind in (label, f"{label}_unlabeled")
        ]
        return Response(200, {**page.body, "results": results})

    def associate_default(
        self, request: Request, from_type: str, from_id: str, to_type: str, to_id: str
    ) -> Response:
        """v4 `PUT .../associations/default/...`: the unlabeled association of the pair."""
        type_id = ASSOCIATION_TYPES.get((from_type, to_type))
        if type_id is None:
            return validation_error(f"No default association type from {from_type} to {to_type}")
        with self.lock:
            for object_type, record_id in ((from_type, from_id), (to_type, to_id)):
                if int(record_id) not in self.stores[object_type].frame.index:
                    return not_found()
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
                "startedAt": now_iso(),
                "completedAt": now_iso(),
            },
        )

    def association_batch_create(self, request: Request, from_type: str, to_type: str) -> Response:
        """v4 batch/create: 201 with one `LabelsBetweenObjectPair` per input; inputs naming a
        missing record or a type id that does not join the two object types are `errors` of a
        207 (or, when configured, fail the whole batch with a 400)."""
        inputs = self._association_inputs(request)
        if isinstance(inputs, Response):
            return inputs
        started = now_iso()
        links, results, errors = [], [], []
        with self.lock:
            for item in inputs:
                from_id, to_id = (object_id(item.get(side)) for side in ("from", "to"))
                type_ids = []
                problem = self._missing_record(from_type, from_id, "fromObjectId") or (
                    self._missing_record(to_type, to_id, "toObjectId")
                )
                specs = item.get("types")
                for spec in specs if isinstance(specs, list) and specs else [{}]:
                    spec = spec if isinstance(spec, dict) else {}
                    type_id = parse_int(str(spec.get("associationTypeId")), None)
                    category = spec.get("associationCategory", "HUBSPOT_DEFINED")
                    if (
                        ASSOCIATION_TYPE_IDS.get(type_id, ())[:2] != (from_type, to_type)
                        or category != "HUBSPOT_DEFINED"
                    ):
                        problem = problem or batch_error(
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
                        "fromObjectTypeId": OBJECT_TYPES_BY_NAME[from_type].type_id,
                        "fromObjectId": int(from_id),
                        "toObjectTypeId": OBJECT_TYPES_BY_NAME[to_type].type_id,
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
        payload = batch_body(results, started)
        if errors:
            payload |= {"numErrors": len(errors), "errors": errors}
            return Response(207, payload)
        return Response(201, payload)

    def association_batch_archive(self, request: Request, from_type: str, to_type: str) -> Response:
        """v4 batch/archive: every association type between each pair goes, in both
        directions; pairs that were not linked are ignored. 204 with no body."""
        inputs = self._association_inputs(request)
        if isinstance(inputs, Response):
            return inputs
        pairs = []
        for item in inputs:
            targets = item.get("to")
            if not isinstance(targets, list):
                return validation_error("Each input needs `to`: a list of {id}")
            from_id = parse_int(object_id(item.get("from")), None)
            to_ids = [parse_int(object_id(target), None) for target in targets]
            if from_id is None or None in to_ids:
                return validation_error("Object ids must be numeric strings")
            pairs += [(str(from_id), str(to_id)) for to_id in to_ids]
        with self.lock:
            self._remove_links(from_type, to_type, pairs)
        return Response(204, None)

    def association_delete(
        self, request: Request, from_type: str, from_id: str, to_type: str, to_id: str
    ) -> Response:
        """v4 `DELETE /crm/v4/objects/{from}/{id}/associations/{to}/{toId}`: 204."""
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
            return validation_error("Invalid JSON body")
        inputs = body.get("inputs") if isinstance(body, dict) else None
        if not isinstance(inputs, list) or not all(isinstance(item, dict) for item in inputs):
            return validation_error("The body needs `inputs`: a list of objects")
        limit = self.config.hubspot_association_batch_max
        if len(inputs) > limit:
            return validation_error(f"Too many inputs: at most {limit}")
        return inputs

    def _missing_record(self, object_type: str, raw_id: str, field_name: str) -> dict | None:
        """The batch error for an id that names no live record of `object_type`, else None."""
        record_id = parse_int(raw_id, None)
        frame = self.stores[object_type].frame
        if (
            record_id is not None
            and record_id in frame.index
            and not frame.at[record_id, "archived"]
        ):
            return None
        return batch_error(
            "OBJECT_NOT_FOUND",
            f"No {OBJECT_TYPES_BY_NAME[object_type].singular} with id {raw_id} exists",
            **{field_name: [raw_id]},
        )

    # ---- the link index ------------------------------------------------------------------

    def _inline_associations(self, object_type: str, record_id: str, wanted: list[str]) -> dict:
        inline = {}
        for raw in wanted:
            to_type = self._object_type(raw)
            if to_type is None:
                continue  # the real API ignores unknown types
            label = _label(object_type, to_type)
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
