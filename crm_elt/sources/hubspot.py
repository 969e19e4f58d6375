"""HubSpot CRM extractor: every property of contacts, companies and deals, their
associations, deal pipelines, property definitions, archived records.

- First run per object: the list endpoint (`limit=100`, `after`), with every property the
  properties API knows, requested in chunks that keep URLs short (414 otherwise); chunks of
  one page are merged on id. The `after` of the next page is checkpointed with each write,
  so a killed run resumes where it stopped.
- Later runs: search on the object's modified-date property since the watermark minus an
  overlap, ordered by `hs_object_id` and re-windowed (`hs_object_id > last id`) before the
  10,000-result cap, so no record is missed however many share one timestamp.
- Every run: an `archived=true` sweep (search never returns archived records and archiving
  does not bump the modified date) and associations of every live deal and contact; an
  association not read again gets a tombstone version (`"deleted": true`), since removing
  one bumps nothing either.
Merged records keep `hs_merged_object_ids` in the raw record; dbt resolves them.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from functools import partial

from crm_elt.dataset import HUBSPOT_MODIFIED_PROPERTY, HUBSPOT_OBJECT_TYPES
from crm_elt.http import ApiClient, RetryPolicy, SlidingWindowLimiter
from crm_elt.progress import Progress
from crm_elt.settings import Settings
from crm_elt.sources.base import ExtractResult, fetched_concurrently, prefetched, tracked_stream
from crm_elt.warehouse import (
    RawRecord,
    StreamStats,
    current_versions_sql,
    get_cursor,
    new_load_id,
    open_warehouse,
    reconcile_deletions,
    warehouse_session,
    write_records,
)

logger = logging.getLogger("crm_elt.sources.hubspot")

SOURCE = "hubspot"
LIST_PAGE_SIZE = 100
SEARCH_PAGE_SIZE = 200
SEARCH_RESULT_CAP = 10_000
ASSOCIATION_BATCH = 100
MAX_PROPERTIES_CHARS = 2000  # of the comma-joined `properties` parameter per request
FLUSH_RECORDS = 5000
OVERLAP = timedelta(minutes=10)
ASSOCIATION_PAIRS = (("deals", "contacts"), ("deals", "companies"), ("contacts", "companies"))
ALL_STREAMS = (
    "properties",
    "deal_pipelines",
    *HUBSPOT_OBJECT_TYPES,
    *(f"{object_type}_archived" for object_type in HUBSPOT_OBJECT_TYPES),
    "associations",
)


@dataclass(frozen=True)
class HubSpotOptions:
    ten_second_budget: int = 190
    search_per_second: int = 4
    retry: RetryPolicy = field(default_factory=RetryPolicy)


def make_client(settings: Settings, options: HubSpotOptions | None = None) -> ApiClient:
    options = options or HubSpotOptions(
        ten_second_budget=settings.hubspot_requests_per_10s,
        retry=RetryPolicy(max_attempts=settings.http_max_attempts),
    )
    token = settings.hubspot_access_token
    return ApiClient(
        source=SOURCE,
        base_url=settings.hubspot_base_url,
        auth_headers=lambda: {"Authorization": f"Bearer {token}"},
        timeout_s=settings.http_timeout_s,
        retry=options.retry,
        limiters={
            # Association batches go out from two threads: see SlidingWindowLimiter.
            "default": SlidingWindowLimiter(options.ten_second_budget, 10.0, margin_s=0.1),
            "search": SlidingWindowLimiter(options.search_per_second, 1.0),
        },
    )


def extract(
    settings: Settings,
    *,
    load_id: str | None = None,
    streams: Sequence[str] | None = None,
    options: HubSpotOptions | None = None,
) -> ExtractResult:
    client = make_client(settings, options)
    load_id = load_id or new_load_id()
    result = ExtractResult(SOURCE, load_id)
    wanted = list(streams or ALL_STREAMS)
    extractor = _Extractor(settings, client, load_id)
    with warehouse_session(settings):
        property_names = {
            object_type: extractor.property_names(object_type)
            for object_type in HUBSPOT_OBJECT_TYPES
        }
        for stream in wanted:
            with tracked_stream(settings, result, stream, client) as stats:
                _extract_stream(extractor, stream, property_names, stats)
    return result


def _extract_stream(extractor, stream: str, property_names, stats: StreamStats) -> None:
    if stream == "properties":
        extractor.load_property_definitions(stats)
    elif stream == "deal_pipelines":
        extractor.load_pipelines(stats)
    elif stream in HUBSPOT_OBJECT_TYPES:
        extractor.load_objects(stream, property_names[stream], stats)
    elif stream.endswith("_archived"):
        object_type = stream.removesuffix("_archived")
        extractor.load_archived(object_type, property_names[object_type], stats)
    elif stream == "associations":
        extractor.load_associations(stats)
    else:
        raise ValueError(f"unknown HubSpot stream {stream!r}")


def chunk_properties(
    names: Sequence[str], max_chars: int = MAX_PROPERTIES_CHARS
) -> list[list[str]]:
    """Split property names into groups whose comma-joined length stays under `max_chars`.

    Every chunk carries `hs_object_id` and the modified-date properties so each page can be
    merged on id and versioned.
    """
    anchors = ["hs_object_id", "lastmodifieddate", "hs_lastmodifieddate"]
    rest = sorted(set(names) - set(anchors))
    anchor_length = len(",".join(anchors))
    chunks, current, length = [], [], anchor_length
    for name in rest:
        if current and length + 1 + len(name) > max_chars:
            chunks.append(anchors + current)
            current, length = [], anchor_length
        current.append(name)
        length += 1 + len(name)
    chunks.append(anchors + current)
    return chunks


def to_raw_record(record: dict) -> RawRecord:
    """An API object -> a raw row: keyed by id, versioned by `updatedAt`."""
    return RawRecord(str(record["id"]), parse_hubspot_time(record.get("updatedAt")), record)


def parse_hubspot_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment.astimezone(UTC).replace(tzinfo=None)


def epoch_ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def merge_chunk_pages(pages: Sequence[Sequence[dict]]) -> list[dict]:
    """Records of one page fetched with different property chunks, merged on id."""
    merged: dict[str, dict] = {}
    for page in pages:
        for record in page:
            target = merged.setdefault(str(record["id"]), {**record, "properties": {}})
            target["properties"].update(record.get("properties") or {})
    return list(merged.values())


def association_records(from_type: str, to_type: str, results: Sequence[dict]) -> list[RawRecord]:
    """v4 batch-read results -> one raw row per (from, to) pair, type ids deduplicated."""
    rows = []
    for result in results:
        from_id = str(result["from"]["id"])
        for target in result.get("to") or []:
            to_id = str(target["toObjectId"])
            types = sorted(
                {
                    (item.get("category"), item.get("typeId"), item.get("label"))
                    for item in target.get("associationTypes") or []
                },
                key=lambda item: (str(item[0]), item[1] or 0),
            )
            payload = {
                "from_type": from_type,
                "from_id": from_id,
                "to_type": to_type,
                "to_id": to_id,
                "association_types": [
                    {"category": category, "typeId": type_id, "label": label}
                    for category, type_id, label in types
                ],
            }
            rows.append(RawRecord(f"{from_type}:{from_id}->{to_type}:{to_id}", None, payload))
    return rows


class _Extractor:
    def __init__(self, settings: Settings, client: ApiClient, load_id: str):
        self.settings, self.client, self.load_id = settings, client, load_id

    def property_names(self, object_type: str) -> list[str]:
        payload = self.client.get(f"/crm/v3/properties/{object_type}")
        return [item["name"] for item in payload.get("results", []) if item.get("name")]

    def load_property_definitions(self, stats: StreamStats) -> None:
        records = []
        for object_type in HUBSPOT_OBJECT_TYPES:
            payload = self.client.get(f"/crm/v3/properties/{object_type}")
            stats.pages += 1
            for item in payload.get("results", []):
                records.append(
                    RawRecord(
                        f"{object_type}:{item['name']}", None, {"object_type": object_type, **item}
                    )
                )
        self._write("properties", records, stats)

    def load_pipelines(self, stats: StreamStats) -> None:
        payload = self.client.get("/crm/v3/pipelines/deals")
        stats.pages += 1
        records = [
            RawRecord(str(item["id"]), parse_hubspot_time(item.get("updatedAt")), item)
            for item in payload.get("results", [])
        ]
        self._write("deal_pipelines", records, stats)

    def load_objects(self, object_type: str, properties: list[str], stats: StreamStats) -> None:
        with open_warehouse(self.settings) as con:
            cursor = get_cursor(con, SOURCE, object_type)
        if cursor is None or cursor.get("mode") == "full":
            self._full_load(object_type, properties, cursor or {}, stats)
        else:
            self._incremental_load(object_type, properties, cursor, stats)

    def _full_load(self, object_type, properties, cursor, stats) -> None:
        started = cursor.get("started_at") or epoch_ms(datetime.now(UTC).replace(tzinfo=None))
        progress = Progress(f"{SOURCE}.{object_type} (full)")
        buffer: list[RawRecord] = []
        pages = self._list_pages(
            object_type, {"archived": "false"}, properties, cursor.get("after")
        )
        for records, after in prefetched(pages):
            stats.pages += 1
            buffer.extend(to_raw_record(record) for record in records)
            if after is None:
                watermark = started - int(OVERLAP.total_seconds() * 1000)
                self._write(object_type, buffer, stats, {"mode": "incremental", "since": watermark})
                progress.update(stats.received, force=True)
            elif len(buffer) >= FLUSH_RECORDS:
                cursor = {"mode": "full", "after": after, "started_at": started}
                self._write(object_type, buffer, stats, cursor)
                buffer = []
                progress.update(stats.received)

    def _incremental_load(self, object_type, properties, cursor, stats) -> None:
        """Search everything modified since the watermark, by ascending id, in windows."""
        modified_property = HUBSPOT_MODIFIED_PROPERTY[object_type]
        run_started = epoch_ms(datetime.now(UTC).replace(tzinfo=None))
        since = int(cursor["since"])
        last_id = int(cursor.get("last_id", 0))
        progress = Progress(f"{SOURCE}.{object_type} (incremental)")
        buffer: list[RawRecord] = []
        while True:
            offset, window_done = 0, False
            while not window_done:
                body = {
                    "filterGroups": [
                        {
                            "filters": [
                                {
                                    "propertyName": modified_property,
                                    "operator": "GTE",
                                    "value": str(since),
                                },
                                {
                                    "propertyName": "hs_object_id",
                                    "operator": "GT",
                                    "value": str(last_id),
                                },
                            ]
                        }
                    ],
                    "sorts": [{"propertyName": "hs_object_id", "direction": "ASCENDING"}],
                    "properties": properties,
                    "limit": SEARCH_PAGE_SIZE,
                    "after": str(offset),
                }
                payload = self.client.post(
                    f"/crm/v3/objects/{object_type}/search", body=body, bucket="search"
                )
                stats.pages += 1
                results = payload.get("results", [])
                buffer.extend(to_raw_record(record) for record in results)
                next_after = ((payload.get("paging") or {}).get("next") or {}).get("after")
                window_done = (
                    next_after is None or int(next_after) + SEARCH_PAGE_SIZE > SEARCH_RESULT_CAP
                )
                offset = int(next_after) if next_after is not None else offset
                if results:
                    window_last = int(results[-1]["id"])
                if next_after is None:
                    final = {
                        "mode": "incremental",
                        "since": run_started - int(OVERLAP.total_seconds() * 1000),
                    }
                    self._write(object_type, buffer, stats, final)
                    progress.update(stats.received, force=True)
                    return
            # Before the cap: start a new window after the last id seen.
            last_id = window_last
            self._write(
                object_type,
                buffer,
                stats,
                {"mode": "incremental", "since": since, "last_id": last_id},
            )
            buffer = []
            progress.update(stats.received)

    def load_archived(self, object_type, properties, stats) -> None:
        buffer: list[RawRecord] = []
        pages = self._list_pages(object_type, {"archived": "true"}, properties)
        for records, _ in prefetched(pages):
            stats.pages += 1
            buffer.extend(to_raw_record(record) for record in records)
        self._write(f"{object_type}", buffer, stats, cursor_entity=None)

    def load_associations(self, stats: StreamStats) -> None:
        progress = Progress(f"{SOURCE}.associations")
        buffer: list[RawRecord] = []
        live_ids = {from_type: self._live_ids(from_type) for from_type, _ in ASSOCIATION_PAIRS}
        batches = fetched_concurrently(self._association_batches(live_ids))
        for from_type, to_type, results in batches:
            stats.pages += 1
            buffer += association_records(from_type, to_type, results)
            if len(buffer) >= FLUSH_RECORDS:
                self._write("associations", buffer, stats, remember_seen=True)
                buffer = []
                progress.update(stats.received)
        self._write("associations", buffer, stats, remember_seen=True)
        progress.update(stats.received, force=True)
        # Every association of every live record was read: what is missing was removed.
        with open_warehouse(self.settings) as con:
            deleted, restored = reconcile_deletions(
                con, source=SOURCE, entity="associations", load_id=self.load_id
            )
        stats.inserted += deleted + restored
        if deleted or restored:
            logger.info(
                "hubspot.associations: %d removed since the last run, %d back", deleted, restored
            )

    def _association_batches(self, live_ids: dict[str, list[str]]):
        """One task per batch of ids, each independent of the others."""
        for from_type, to_type in ASSOCIATION_PAIRS:
            ids = live_ids[from_type]
            for start in range(0, len(ids), ASSOCIATION_BATCH):
                batch = ids[start : start + ASSOCIATION_BATCH]
                yield partial(self._association_batch, from_type, to_type, batch)

    def _association_batch(self, from_type, to_type, batch) -> tuple[str, str, list[dict]]:
        """(from type, to type, v4 batch-read results with every page) for a batch of ids."""
        payload = self.client.post(
            f"/crm/v4/associations/{from_type}/{to_type}/batch/read",
            body={"inputs": [{"id": record_id} for record_id in batch]},
        )
        results = list(payload.get("results", []))
        results += self._remaining_association_pages(from_type, to_type, results)
        return from_type, to_type, results

    def _remaining_association_pages(self, from_type, to_type, results) -> list[dict]:
        extra = []
        for result in results:
            after = ((result.get("paging") or {}).get("next") or {}).get("after")
            while after:
                payload = self.client.post(
                    f"/crm/v4/associations/{from_type}/{to_type}/batch/read",
                    body={"inputs": [{"id": result["from"]["id"], "after": after}]},
                )
                more = payload.get("results", [])
                extra.extend(more)
                after = (
                    ((more[0].get("paging") or {}).get("next") or {}).get("after") if more else None
                )
        return extra

    def _list_pages(
        self, object_type: str, params: dict, properties: list[str], after: str | None = None
    ) -> Iterator[tuple[list[dict], str | None]]:
        """(records of one page with every property, `after` of the next page or None)."""
        chunks = chunk_properties(properties)
        while True:
            pages, next_after = [], None
            for chunk in chunks:
                query = {"limit": LIST_PAGE_SIZE, **params, "properties": ",".join(chunk)}
                if after:
                    query["after"] = after
                payload = self.client.get(f"/crm/v3/objects/{object_type}", params=query)
                pages.append(payload.get("results", []))
                next_after = ((payload.get("paging") or {}).get("next") or {}).get("after")
            yield merge_chunk_pages(pages), next_after
            if not next_after:
                return
            after = next_after

    def _live_ids(self, object_type: str) -> list[str]:
        with open_warehouse(self.settings, read_only=True) as con:
            rows = con.execute(
                f"""
                select record_key
                from ({current_versions_sql(f"raw_hubspot.{object_type}")})
                where not coalesce((record ->> 'archived')::boolean, false)
                order by record_key::bigint
                """
            ).fetchall()
        return [row[0] for row in rows]

    def _write(
        self, entity, records, stats, cursor=None, cursor_entity=None, remember_seen=False
    ) -> None:
        with open_warehouse(self.settings) as con:
            inserted = write_records(
                con,
                source=SOURCE,
                entity=entity,
                records=records,
                load_id=self.load_id,
                cursor=cursor,
                cursor_entity=cursor_entity,
                remember_seen=remember_seen,
            )
        stats.received += len(records)
        stats.inserted += inserted
