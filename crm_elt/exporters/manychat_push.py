"""The day's batch pushed to ManyChat: a tag on each contact's subscriber, and a flow if set.

Each contact of `marts.remarketing_batch` is found in ManyChat by its subscriber id, else by
its WhatsApp number or email (`findBySystemField`); its subscriber gets the day's tag
(MANYCHAT_PUSH_TAG, `remarketing_<date>` by default; created if ManyChat has no tag of that
name) and, when MANYCHAT_PUSH_FLOW_NS names a flow, that flow is sent.

At most once per contact and day, whatever happens to the run: every call is noted in
`ops.manychat_push_log` before it goes (`sending`) and when it ends (`done`, `failed`,
`rejected`), each note committed at once. A re-run skips what is done or rejected, retries
what failed, and settles what a killed run left `sending`: a tag is looked up on the
subscriber (tags are visible, so it is sent only if missing); a flow is never sent twice,
it is marked `unconfirmed` (ManyChat cannot say whether it went).

Calls are paced under ManyChat's per-endpoint limits; a call that still fails (429s, 5xx) is
retried by the HTTP policy, then recorded for that contact with its error, and the next
contact goes on. ManyChat's 400 (e.g. a subscriber deleted since the export) is `rejected`.
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from crm_elt.exporters.remarketing_csv import BATCH_TABLE, batch_run_date, read_batch
from crm_elt.http import ApiClient, ApiError, AuthenticationError, RetryPolicy
from crm_elt.settings import Settings
from crm_elt.sources.manychat import check_token, find_subscribers, paced
from crm_elt.warehouse import (
    ensure_ops_schema,
    has_table,
    open_warehouse,
    utc_now,
    warehouse_session,
)

logger = logging.getLogger("crm_elt.exporters.manychat_push")

SOURCE = "manychat"
# Calls per second per endpoint, a little under ManyChat's limits (API_NOTES §3.1).
PACE = {"page": 90, "info": 9, "find": 45, "tag": 9, "create_tag": 9, "flow": 18}
FINAL = frozenset({"done", "rejected", "skipped", "unconfirmed"})


@dataclass
class PushResult:
    run_date: date | None
    enabled: bool
    tag: str = ""
    flow_ns: str = ""
    why_off: str = ""
    contacts: int = 0
    # (step, status) -> contacts, for this run's calls; `already` counts earlier runs' work.
    outcomes: Counter = field(default_factory=Counter)
    already: int = 0

    def describe(self) -> str:
        if not self.enabled:
            return f"ManyChat push: off ({self.why_off})"
        tagged = self.outcomes[("tag", "done")]
        parts = [f"{tagged} of {self.contacts} contacts tagged {self.tag}"]
        if self.flow_ns:
            parts.append(f"flow {self.flow_ns} sent to {self.outcomes[('flow', 'done')]}")
        if self.already:
            parts.append(f"{self.already} already pushed earlier today")
        for status, words in (
            ("skipped", "without a ManyChat subscriber"),
            ("rejected", "refused by ManyChat"),
            ("failed", "failed (retried on the next run)"),
            ("unconfirmed", "flows left unconfirmed by a killed run"),
        ):
            count = sum(n for (_, kind), n in self.outcomes.items() if kind == status)
            if count:
                parts.append(f"{count} {words}")
        return f"ManyChat push ({self.run_date}): " + ", ".join(parts)


def make_push_client(settings: Settings, retry: RetryPolicy | None = None) -> ApiClient:
    return ApiClient(
        source=SOURCE,
        base_url=settings.manychat_base_url,
        auth_headers=lambda: {"Authorization": f"Bearer {settings.manychat_token}"},
        timeout_s=settings.http_timeout_s,
        retry=retry or RetryPolicy(max_attempts=settings.http_max_attempts),
        limiters={bucket: paced(per_second) for bucket, per_second in PACE.items()},
    )


class PushLog:
    """`ops.manychat_push_log` for one day: what each contact's steps reached so far."""

    def __init__(self, settings: Settings, day: date):
        self.settings, self.day = settings, day
        with open_warehouse(settings) as con:
            rows = con.execute(
                "select golden_contact_id, step, status, subscriber_id, attempts "
                "from ops.manychat_push_log where push_date = ?",
                [day],
            ).fetchall()
        self.entries = {(row[0], row[1]): (row[2], row[3], row[4]) for row in rows}

    def status(self, contact_id: str, step: str) -> str | None:
        entry = self.entries.get((contact_id, step))
        return entry[0] if entry else None

    def subscriber(self, contact_id: str) -> str | None:
        entry = self.entries.get((contact_id, "tag"))
        return entry[1] if entry else None

    def note(
        self,
        contact_id: str,
        step: str,
        status: str,
        *,
        subscriber_id: str | None,
        target: str,
        error: str | None = None,
        attempt: bool = False,
    ) -> None:
        """Record a step's state, committed before the next call goes out."""
        previous = self.entries.get((contact_id, step))
        attempts = (previous[2] if previous else 0) + (1 if attempt else 0)
        with open_warehouse(self.settings) as con:
            con.execute(
                "insert or replace into ops.manychat_push_log values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [
                    self.day,
                    contact_id,
                    step,
                    subscriber_id,
                    target,
                    status,
                    attempts,
                    error,
                    utc_now(),
                ],
            )
        self.entries[(contact_id, step)] = (status, subscriber_id, attempts)


def push_batch(
    settings: Settings, run_date: date | None = None, retry: RetryPolicy | None = None
) -> PushResult:
    """Push the batch of `run_date` (default: the batch table's date) to ManyChat."""
    delivery = settings.delivery
    if not settings.manychat_push_enabled:
        why = (
            "MANYCHAT_PUSH=off"
            if delivery.manychat_push == "off"
            else "a real ManyChat account: set MANYCHAT_PUSH=on in .env to push"
        )
        return _logged(PushResult(run_date, False, why_off=why))
    if not settings.manychat_token:
        return _logged(PushResult(run_date, False, why_off="no MANYCHAT_TOKEN in .env"))
    with warehouse_session(settings):
        with open_warehouse(settings) as con:
            ensure_ops_schema(con)
            day = batch_run_date(con, run_date)
            if not has_table(con, BATCH_TABLE):
                return _logged(PushResult(day, False, why_off=f"no {BATCH_TABLE} yet"))
            contacts = read_batch(con, day)
        tag_name = delivery.manychat_tag.format(date=day.isoformat())
        result = PushResult(day, True, tag_name, delivery.manychat_flow_ns, contacts=len(contacts))
        log = PushLog(settings, day)
        pending = [row for row in contacts if not _is_finished(log, row, delivery.manychat_flow_ns)]
        result.already = len(contacts) - len(pending)
        if not pending:
            return _logged(result)
        client = make_push_client(settings, retry)
        try:
            check_token(client)  # a refused token stops here, before any contact is touched
        except AuthenticationError:
            raise
        except ApiError as exc:
            # Not a verdict on the token (e.g. 429s past the retries): each contact's own call
            # will succeed or be recorded as failed.
            logger.warning("ManyChat push: the token check did not get through: %s", exc)
        pusher = _Pusher(client, log, result, tag_name, delivery.manychat_flow_ns)
        for contact in pending:
            pusher.push(contact)
    return _logged(result)


def _is_finished(log: PushLog, contact: dict, flow_ns: str) -> bool:
    contact_id = contact["golden_contact_id"]
    tag = log.status(contact_id, "tag")
    if tag in ("rejected", "skipped"):
        return True
    if tag != "done":
        return False
    return not flow_ns or log.status(contact_id, "flow") in FINAL


class _Pusher:
    def __init__(
        self, client: ApiClient, log: PushLog, result: PushResult, tag_name: str, flow_ns: str
    ):
        self.client, self.log, self.result = client, log, result
        self.tag_name, self.flow_ns = tag_name, flow_ns
        self._tag_id: int | None = None

    def push(self, contact: dict) -> None:
        contact_id = contact["golden_contact_id"]
        try:
            subscriber_id = self._tag(contact)
        except ApiError as exc:
            # e.g. ManyChat unreachable while resolving the tag: this contact waits for the next run
            self._record(contact_id, "tag", "failed", None, self.tag_name, str(exc))
            return
        if subscriber_id is not None and self.flow_ns:
            self._flow(contact_id, subscriber_id)

    def _tag(self, contact: dict) -> str | None:
        """Tag the contact's subscriber (once); the subscriber id when the tag is on."""
        contact_id = contact["golden_contact_id"]
        status = self.log.status(contact_id, "tag")
        if status == "done":
            return self.log.subscriber(contact_id)
        subscriber_id = self.log.subscriber(contact_id) or self._find_subscriber(contact)
        if subscriber_id is None:
            self._record(
                contact_id,
                "tag",
                "skipped",
                None,
                self.tag_name,
                "no ManyChat subscriber with this id, WhatsApp number or email",
            )
            return None
        if status == "sending" and self._has_tag(subscriber_id):
            self._record(contact_id, "tag", "done", subscriber_id, self.tag_name)
            return subscriber_id
        tag_id = self._resolve_tag()
        body = {"subscriber_id": _as_id(subscriber_id), "tag_id": tag_id}
        if self._call(
            contact_id, "tag", subscriber_id, self.tag_name, "/fb/subscriber/addTag", body
        ):
            return subscriber_id
        return None

    def _flow(self, contact_id: str, subscriber_id: str) -> None:
        status = self.log.status(contact_id, "flow")
        if status in FINAL:
            return
        if status == "sending":
            logger.warning(
                "ManyChat push: flow %s to %s was cut off by a killed run; not sent again",
                self.flow_ns,
                contact_id,
            )
            self._record(
                contact_id,
                "flow",
                "unconfirmed",
                subscriber_id,
                self.flow_ns,
                "the run was stopped during the call; ManyChat may or may not have sent it",
            )
            return
        body = {"subscriber_id": _as_id(subscriber_id), "flow_ns": self.flow_ns}
        self._call(contact_id, "flow", subscriber_id, self.flow_ns, "/fb/sending/sendFlow", body)

    def _call(
        self, contact_id: str, step: str, subscriber_id: str, target: str, path: str, body: dict
    ) -> bool:
        self.log.note(contact_id, step, "sending", subscriber_id=subscriber_id, target=target)
        try:
            payload = self.client.post(path, body=body, bucket=step)
        except ApiError as exc:
            # ManyChat answers every refusal with a 400 (a deleted subscriber, a closed window)
            status = "rejected" if exc.status == 400 else "failed"
            self._record(contact_id, step, status, subscriber_id, target, str(exc), attempt=True)
            return False
        if not isinstance(payload, dict) or payload.get("status") != "success":
            error = f"POST {path} answered without status 'success'"
            self._record(contact_id, step, "failed", subscriber_id, target, error, attempt=True)
            return False
        self._record(contact_id, step, "done", subscriber_id, target, attempt=True)
        return True

    def _record(
        self,
        contact_id: str,
        step: str,
        status: str,
        subscriber_id: str | None,
        target: str,
        error: str | None = None,
        attempt: bool = False,
    ) -> None:
        self.log.note(
            contact_id,
            step,
            status,
            subscriber_id=subscriber_id,
            target=target,
            error=error,
            attempt=attempt,
        )
        self.result.outcomes[(step, status)] += 1
        if status in ("failed", "rejected"):
            logger.warning("ManyChat push: %s %s for %s: %s", step, status, contact_id, error)

    def _find_subscriber(self, contact: dict) -> str | None:
        if contact.get("manychat_subscriber_id"):
            return str(contact["manychat_subscriber_id"])
        for by, value in (
            ("phone", contact.get("whatsapp_phone")),
            ("email", contact.get("email")),
        ):
            if value:
                found = find_subscribers(self.client, by, str(value))
                if found:
                    return str(found[0]["id"])
        return None

    def _has_tag(self, subscriber_id: str) -> bool:
        """Whether the subscriber already carries the day's tag (a killed run's last call)."""
        try:
            payload = self.client.get(
                "/fb/subscriber/getInfo", params={"subscriber_id": subscriber_id}, bucket="info"
            )
        except ApiError:
            return False  # unknown: the tag call goes again, and answers for itself
        data = payload.get("data") if isinstance(payload, dict) else None
        tags = data.get("tags", []) if isinstance(data, dict) else []
        return any(isinstance(tag, dict) and tag.get("name") == self.tag_name for tag in tags)

    def _resolve_tag(self) -> int:
        """The id of the day's tag, created when ManyChat has none of that name."""
        if self._tag_id is None:
            self._tag_id = self._tag_by_name() or self._create_tag()
        return self._tag_id

    def _create_tag(self) -> int:
        path = "/fb/page/createTag"
        try:
            payload = self.client.post(path, body={"name": self.tag_name}, bucket="create_tag")
        except ApiError:
            # Someone may have created it meanwhile ("already exists"): then use that one.
            found = self._tag_by_name()
            if found is None:
                raise
            return found
        try:
            tag_id = int(payload["data"]["tag"]["id"])
        except (KeyError, TypeError, ValueError):
            raise ApiError(SOURCE, 200, "POST", path, "the answer has no tag id") from None
        logger.info("ManyChat push: created tag %s", self.tag_name)
        return tag_id

    def _tag_by_name(self) -> int | None:
        payload = self.client.get("/fb/page/getTags", bucket="page")
        tags = payload.get("data") if isinstance(payload, dict) else None
        for tag in tags or []:
            if isinstance(tag, dict) and tag.get("name") == self.tag_name:
                return int(tag["id"])
        return None


def _as_id(subscriber_id: str) -> int | str:
    """ManyChat's requests take subscriber ids as integers (API_NOTES §3.1)."""
    return int(subscriber_id) if subscriber_id.isdigit() else subscriber_id


def _logged(result: PushResult) -> PushResult:
    logger.info("%s", result.describe())
    return result
