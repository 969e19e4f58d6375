"""The golden record written back to HubSpot contacts (opt-in: HUBSPOT_WRITEBACK=on).

Four contact properties, in a property group of their own, created through the properties API
when the portal lacks them: the golden contact id, the net LTV in BRL, the audiences (a
multiple checkbox: ilpi, estetica) and the last date the person was in a remarketing batch.
Every live HubSpot contact of a golden contact (`marts.contact_lineage`; archived and
merged-away records left out) gets its person's values.

Only values that changed since the last write-back are sent: `ops.hubspot_writeback_state`
keeps what each contact last received. Updates go out through batch update, 100 contacts a
call, under the client's ten-secondly budget and at most HUBSPOT_WRITEBACK_MAX_REQUESTS calls
a run (what is left goes on the next run). A batch HubSpot refuses (a contact deleted since
the extraction, a value it will not take) is retried contact by contact, so one bad contact
costs only itself: its error goes to `ops.hubspot_writeback_log` and the others are written.

Where the values come from (dbt marts): `marts.customer_ltv` (net_ltv_brl),
`marts.audience_ilpi` and `marts.audience_estetica` (membership), `marts.remarketing_ledger`
(every batch ever sent; else today's `marts.remarketing_batch`). A mart the warehouse does
not have leaves its property untouched rather than cleared.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator
from dataclasses import dataclass, field

import duckdb

from crm_elt.http import ApiClient, ApiError, DailyLimitReached, RetryPolicy
from crm_elt.settings import Settings
from crm_elt.sources.hubspot import HubSpotOptions, make_client
from crm_elt.warehouse import ensure_ops_schema, has_table, new_load_id, open_warehouse, utc_now

logger = logging.getLogger("crm_elt.exporters.hubspot_writeback")

BATCH_MAX = 100
PROPERTY_GROUP = {"name": "crm_elt_golden_record", "label": "Golden record (CRM ELT)"}
GOLDEN_ID = "crm_golden_contact_id"
NET_LTV = "crm_net_ltv_brl"
AUDIENCES = "crm_audiences"
LAST_REMARKETING = "crm_last_remarketing_date"
PROPERTIES = (
    {"name": GOLDEN_ID, "label": "Golden contact id", "type": "string", "fieldType": "text"},
    {"name": NET_LTV, "label": "Net LTV (BRL)", "type": "number", "fieldType": "number"},
    {
        "name": AUDIENCES,
        "label": "Audiences",
        "type": "enumeration",
        "fieldType": "checkbox",
        "options": [
            {"label": "ILPI", "value": "ilpi", "displayOrder": 0},
            {"label": "Estética", "value": "estetica", "displayOrder": 1},
        ],
    },
    {
        "name": LAST_REMARKETING,
        "label": "Last remarketing date",
        "type": "date",
        "fieldType": "date",
    },
)
LIVE_CONTACTS_SQL = """
    select contact_id from staging.stg_hubspot__contacts
    where is_current_version and not is_archived
        and contact_id not in (
            select unnest(string_split(coalesce(merged_contact_ids, ''), ';'))
            from staging.stg_hubspot__contacts where is_current_version
        )
"""
AUDIENCE_TABLES = {"ilpi": "marts.audience_ilpi", "estetica": "marts.audience_estetica"}


@dataclass
class WritebackResult:
    enabled: bool
    why_off: str = ""
    contacts_changed: int = 0
    written: int = 0
    values_written: int = 0
    failed: int = 0
    left_for_next_run: int = 0
    requests: int = 0
    properties_created: list[str] = field(default_factory=list)

    def describe(self) -> str:
        if not self.enabled:
            return f"HubSpot write-back: off ({self.why_off})"
        text = (
            f"HubSpot write-back: {self.written} of {self.contacts_changed} changed contacts "
            f"updated ({self.values_written} values) in {self.requests} calls"
        )
        if self.properties_created:
            text += f", properties created: {', '.join(self.properties_created)}"
        if self.failed:
            text += f", {self.failed} refused (ops.hubspot_writeback_log)"
        if self.left_for_next_run:
            text += f", {self.left_for_next_run} left for the next run (request budget)"
        return text


@dataclass(frozen=True)
class ContactUpdate:
    hubspot_contact_id: str
    golden_contact_id: str
    values: dict[str, str]  # every property this run knows, as HubSpot strings
    changed: dict[str, str]  # those that differ from the last write-back


def desired_values(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str, dict[str, str]]]:
    """(HubSpot contact id, golden contact id, {property: value}) for every HubSpot contact
    of a golden contact; a property whose mart is missing is left out."""
    if not has_table(con, "marts.contact_lineage"):
        return []
    selects = ["lineage.source_record_id", "lineage.golden_contact_id"]
    joins = []
    names = []
    if has_table(con, "marts.customer_ltv"):
        selects.append("coalesce(ltv.net_ltv_brl, 0)::decimal(18, 2)::varchar")
        joins.append(
            "left join (select golden_contact_id, sum(net_ltv_brl) as net_ltv_brl "
            "from marts.customer_ltv group by golden_contact_id) as ltv using (golden_contact_id)"
        )
        names.append(NET_LTV)
    audiences = [
        f"select golden_contact_id, '{value}' as audience from {table}"
        for value, table in AUDIENCE_TABLES.items()
        if has_table(con, table)
    ]
    if audiences:
        selects.append("coalesce(audience.audiences, '')")
        joins.append(
            "left join (select golden_contact_id, "
            "string_agg(distinct audience, ';' order by audience) as audiences "
            f"from ({' union all '.join(audiences)}) group by golden_contact_id) as audience "
            "using (golden_contact_id)"
        )
        names.append(AUDIENCES)
    sent = next(
        (
            table
            for table in ("marts.remarketing_ledger", "marts.remarketing_batch")
            if has_table(con, table)
        ),
        None,
    )
    if sent is not None:
        selects.append("coalesce(strftime(remarketing.last_date, '%Y-%m-%d'), '')")
        joins.append(
            "left join (select golden_contact_id, max(run_date) as last_date "
            f"from {sent} group by golden_contact_id) as remarketing using (golden_contact_id)"
        )
        names.append(LAST_REMARKETING)
    live = ""
    if has_table(con, "staging.stg_hubspot__contacts"):
        # Archived and merged-away records would only answer 404, run after run.
        live = f"and lineage.source_record_id in ({LIVE_CONTACTS_SQL})"
    rows = con.execute(
        f"select {', '.join(selects)} from marts.contact_lineage as lineage "
        f"{' '.join(joins)} where lineage.source = 'hubspot' {live} "
        "order by lineage.source_record_id"
    ).fetchall()
    return [
        (
            str(row[0]),
            str(row[1]),
            {GOLDEN_ID: str(row[1]), **dict(zip(names, row[2:], strict=True))},
        )
        for row in rows
    ]


def pending_updates(con: duckdb.DuckDBPyConnection) -> list[ContactUpdate]:
    ensure_ops_schema(con)
    last = {
        contact_id: json.loads(values)
        for contact_id, values in con.execute(
            "select hubspot_contact_id, property_values from ops.hubspot_writeback_state"
        ).fetchall()
    }
    updates = []
    for contact_id, golden_id, values in desired_values(con):
        before = last.get(contact_id, {})
        changed = {name: value for name, value in values.items() if before.get(name) != value}
        if changed:
            updates.append(ContactUpdate(contact_id, golden_id, values, changed))
    return updates


def ensure_properties(client: ApiClient) -> list[str]:
    """Create the group and the properties the portal lacks; the names created."""
    existing = {item.get("name") for item in _results(client.get("/crm/v3/properties/contacts"))}
    missing = [spec for spec in PROPERTIES if spec["name"] not in existing]
    if not missing:
        return []
    groups = {
        item.get("name") for item in _results(client.get("/crm/v3/properties/contacts/groups"))
    }
    if PROPERTY_GROUP["name"] not in groups:
        _create(client, "/crm/v3/properties/contacts/groups", PROPERTY_GROUP)
    for spec in missing:
        _create(
            client, "/crm/v3/properties/contacts", {**spec, "groupName": PROPERTY_GROUP["name"]}
        )
    return [spec["name"] for spec in missing]


def _create(client: ApiClient, path: str, body: dict) -> None:
    try:
        client.post(path, body=body)
    except ApiError as exc:
        if exc.status != 409:  # 409: created meanwhile, which is what we wanted
            raise


def _results(payload: object) -> list[dict]:
    results = payload.get("results") if isinstance(payload, dict) else None
    return [item for item in results or [] if isinstance(item, dict)]


def write_back(
    settings: Settings, retry: RetryPolicy | None = None, client: ApiClient | None = None
) -> WritebackResult:
    if not settings.delivery.hubspot_writeback:
        return _logged(WritebackResult(False, why_off="set HUBSPOT_WRITEBACK=on in .env to write"))
    with open_warehouse(settings) as con:
        updates = pending_updates(con)
    client = client or make_client(
        settings,
        HubSpotOptions(
            ten_second_budget=settings.hubspot_requests_per_10s,
            retry=retry or RetryPolicy(max_attempts=settings.http_max_attempts),
        ),
    )
    result = WritebackResult(True, contacts_changed=len(updates))
    budget = settings.delivery.hubspot_writeback_max_requests
    if not updates:
        return _logged(result)
    run_id = new_load_id()
    sent_before = client.requests_sent
    result.properties_created = ensure_properties(client)
    for position, chunk in enumerate(_chunks(updates, BATCH_MAX)):
        if client.requests_sent - sent_before >= budget:
            result.left_for_next_run = len(updates) - position * BATCH_MAX
            break
        try:
            outcomes = _send_chunk(client, chunk)
        except DailyLimitReached:
            result.left_for_next_run = len(updates) - position * BATCH_MAX
            logger.warning("HubSpot write-back: the daily API limit is spent; the rest waits")
            break
        _record(settings, run_id, chunk, outcomes, result)
    result.requests = client.requests_sent - sent_before
    return _logged(result)


def _send_chunk(client: ApiClient, chunk: list[ContactUpdate]) -> dict[str, str | None]:
    """{HubSpot contact id: None if written, else HubSpot's error} for one batch."""
    body = {
        "inputs": [
            {"id": update.hubspot_contact_id, "properties": update.changed} for update in chunk
        ]
    }
    try:
        payload = client.post("/crm/v3/objects/contacts/batch/update", body=body)
    except DailyLimitReached:
        raise
    except ApiError as exc:
        if exc.status is None or exc.status >= 500 or exc.status in (401, 403):
            return {update.hubspot_contact_id: str(exc) for update in chunk}
        # HubSpot refused the whole batch for some of its contacts: find which, one by one.
        return {update.hubspot_contact_id: _send_one(client, update) for update in chunk}
    failed = _batch_errors(payload)
    return {update.hubspot_contact_id: failed.get(update.hubspot_contact_id) for update in chunk}


def _send_one(client: ApiClient, update: ContactUpdate) -> str | None:
    try:
        client.request(
            "PATCH",
            f"/crm/v3/objects/contacts/{update.hubspot_contact_id}",
            body={"properties": update.changed},
        )
    except DailyLimitReached:
        raise
    except ApiError as exc:
        return str(exc)
    return None


def _batch_errors(payload: object) -> dict[str, str]:
    """A 207's `errors`: the ids each names, with its message."""
    errors = payload.get("errors") if isinstance(payload, dict) else None
    failed = {}
    for error in errors or []:
        if not isinstance(error, dict):
            continue
        for contact_id in (error.get("context") or {}).get("ids") or []:
            failed[str(contact_id)] = str(error.get("message") or error.get("category"))
    return failed


def _record(
    settings: Settings,
    run_id: str,
    chunk: list[ContactUpdate],
    outcomes: dict[str, str | None],
    result: WritebackResult,
) -> None:
    """State and log of one batch, in one transaction, as soon as HubSpot has answered."""
    now = utc_now()
    with open_warehouse(settings) as con:
        con.execute("begin transaction")
        try:
            for update in chunk:
                error = outcomes.get(update.hubspot_contact_id)
                status = "written" if error is None else "failed"
                con.execute(
                    "insert into ops.hubspot_writeback_log values (?, ?, ?, ?, ?, ?)",
                    [
                        run_id,
                        update.hubspot_contact_id,
                        update.golden_contact_id,
                        status,
                        error,
                        now,
                    ],
                )
                if error is None:
                    con.execute(
                        "insert or replace into ops.hubspot_writeback_state values (?, ?, ?, ?)",
                        [
                            update.hubspot_contact_id,
                            update.golden_contact_id,
                            json.dumps(update.values, sort_keys=True),
                            now,
                        ],
                    )
                    result.written += 1
                    result.values_written += len(update.changed)
                else:
                    result.failed += 1
                    logger.warning(
                        "HubSpot write-back: contact %s refused: %s",
                        update.hubspot_contact_id,
                        error,
                    )
            con.execute("commit")
        except BaseException:
            con.execute("rollback")
            raise


def _chunks(items: list[ContactUpdate], size: int) -> Iterator[list[ContactUpdate]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _logged(result: WritebackResult) -> WritebackResult:
    logger.info("%s", result.describe())
    return result
