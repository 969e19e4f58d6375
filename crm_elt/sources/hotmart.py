"""Hotmart extractor: sales history (every status) and buyers' contact data (sales users).

Hotmart has no updated-since filter, and its default filter hides everything but APPROVED and
COMPLETE (API_NOTES.md §2, pitfall 7). So each run sweeps date windows of at most 360 days
asking for every status, from the history start on the first run and from the last sweep
minus `HOTMART_RESWEEP_DAYS` afterwards; refunds and chargebacks that happened since then
arrive as new versions of their transaction. Whether the API takes several statuses in one
`transaction_status` is unconfirmed, so by default each status gets its own pass
(`HOTMART_STATUS_FILTER=per_status`; `repeated` and `comma` send them all at once).
`ENVIRONMENT=hml` extracts exactly the previous calendar month. Pass, window and page token
are checkpointed with each write, so a killed run resumes.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from crm_elt.http import ApiClient, RetryPolicy, SlidingWindowLimiter
from crm_elt.progress import Progress
from crm_elt.settings import Settings
from crm_elt.sources.base import ExtractResult, prefetched, tracked_stream
from crm_elt.warehouse import (
    RawRecord,
    StreamStats,
    get_cursor,
    new_load_id,
    open_warehouse,
    warehouse_session,
    write_records,
)

logger = logging.getLogger("crm_elt.sources.hotmart")

SOURCE = "hotmart"
PAGE_SIZE = 500
FLUSH_RECORDS = 5000
MAX_WINDOW = timedelta(days=360)
HISTORY_START = date(2015, 1, 1)
TOKEN_REFRESH_MARGIN_S = 300
ALL_STATUSES = (
    "APPROVED",
    "BLOCKED",
    "CANCELLED",
    "CHARGEBACK",
    "COMPLETE",
    "EXPIRED",
    "NO_FUNDS",
    "OVERDUE",
    "PARTIALLY_REFUNDED",
    "PRE_ORDER",
    "PRINTED_BILLET",
    "PROCESSING_TRANSACTION",
    "PROTESTED",
    "REFUNDED",
    "STARTED",
    "UNDER_ANALISYS",
    "WAITING_PAYMENT",
)
STREAMS = {"sales": "/payments/api/v1/sales/history", "sales_users": "/payments/api/v1/sales/users"}


@dataclass
class HotmartOptions:
    per_minute: int = 480  # below Hotmart's 500/min, leaving room for the token calls
    history_start: date = HISTORY_START
    retry: RetryPolicy = field(default_factory=RetryPolicy)


class TokenCache:
    """The OAuth token, fetched once, refreshed ahead of expiry, dropped on a 401."""

    def __init__(self, settings: Settings, retry: RetryPolicy):
        self.settings = settings
        self.client = ApiClient(
            source=SOURCE,
            base_url=settings.hotmart_auth_url,
            auth_headers=lambda: {"Authorization": f"Basic {settings.hotmart_basic_token}"},
            timeout_s=settings.http_timeout_s,
            retry=retry,
        )
        self.token: str | None = None
        self.expires_at = 0.0
        self.lock = threading.Lock()

    def headers(self) -> dict[str, str]:
        with self.lock:
            if self.token is None or time.monotonic() > self.expires_at - TOKEN_REFRESH_MARGIN_S:
                self._fetch()
            return {"Authorization": f"Bearer {self.token}"}

    def invalidate(self) -> bool:
        with self.lock:
            self.token = None
        return True

    def _fetch(self) -> None:
        payload = self.client.request(
            "POST",
            "",
            url=self.settings.hotmart_auth_url,
            params={
                "grant_type": "client_credentials",
                "client_id": self.settings.hotmart_client_id,
                "client_secret": self.settings.hotmart_client_secret,
            },
        )
        self.token = str(payload["access_token"])
        self.expires_at = time.monotonic() + float(payload.get("expires_in") or 3600)


def make_client(settings: Settings, options: HotmartOptions) -> ApiClient:
    tokens = TokenCache(settings, options.retry)
    return ApiClient(
        source=SOURCE,
        base_url=settings.hotmart_base_url,
        auth_headers=tokens.headers,
        timeout_s=settings.http_timeout_s,
        retry=options.retry,
        limiters={"default": SlidingWindowLimiter(options.per_minute, 60.0)},
        on_unauthorized=tokens.invalidate,
    )


def previous_calendar_month(today: date) -> tuple[date, date]:
    """[first day, last day] of the month before `today`'s month."""
    first_of_this_month = today.replace(day=1)
    last_of_previous = first_of_this_month - timedelta(days=1)
    return last_of_previous.replace(day=1), last_of_previous


def date_windows(start: datetime, end: datetime, size: timedelta = MAX_WINDOW):
    """Consecutive [start, end] windows no longer than `size` covering start..end."""
    windows = []
    cursor = start
    while cursor <= end:
        window_end = min(cursor + size - timedelta(milliseconds=1), end)
        windows.append((cursor, window_end))
        cursor = window_end + timedelta(milliseconds=1)
    return windows


def to_epoch_ms(moment: datetime) -> int:
    return int(moment.replace(tzinfo=UTC).timestamp() * 1000)


def from_epoch(value: object) -> datetime | None:
    """Hotmart sends milliseconds, sometimes seconds: below 10^12 is seconds."""
    try:
        number = int(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    seconds = number / 1000 if number >= 10**12 else number
    return datetime.fromtimestamp(seconds, tz=UTC).replace(tzinfo=None)


def sale_record(item: dict) -> RawRecord:
    purchase = item.get("purchase") or {}
    moment = from_epoch(purchase.get("approved_date")) or from_epoch(purchase.get("order_date"))
    return RawRecord(str(purchase["transaction"]), moment, item)


def sales_user_record(item: dict) -> RawRecord:
    return RawRecord(str(item["transaction"]), None, item)


def status_passes(status_filter: str) -> list[dict[str, object]]:
    """The `transaction_status` parameter of each pass that together cover every status."""
    if status_filter == "per_status":
        return [{"transaction_status": status} for status in ALL_STATUSES]
    if status_filter == "repeated":
        return [{"transaction_status": list(ALL_STATUSES)}]  # requests repeats the key
    if status_filter == "comma":
        return [{"transaction_status": ",".join(ALL_STATUSES)}]
    raise ValueError(f"unknown Hotmart status filter {status_filter!r}")


def extract(
    settings: Settings,
    *,
    load_id: str | None = None,
    streams: Sequence[str] | None = None,
    options: HotmartOptions | None = None,
    now: datetime | None = None,
) -> ExtractResult:
    options = options or HotmartOptions(
        per_minute=settings.hotmart_requests_per_minute,
        retry=RetryPolicy(max_attempts=settings.http_max_attempts),
    )
    client = make_client(settings, options)
    load_id = load_id or new_load_id()
    result = ExtractResult(SOURCE, load_id)
    now = now or datetime.now(UTC).replace(tzinfo=None)
    with warehouse_session(settings):
        for stream in streams or tuple(STREAMS):
            with tracked_stream(settings, result, stream, client) as stats:
                _sweep(settings, client, load_id, stream, options, now, stats)
    return result


def _sweep(settings, client, load_id, stream, options, now, stats: StreamStats) -> None:
    to_record = sale_record if stream == "sales" else sales_user_record
    with open_warehouse(settings) as con:
        cursor = get_cursor(con, SOURCE, stream) or {}
    if settings.environment == "hml":
        first, last = previous_calendar_month(now.date())
        start = datetime.combine(first, datetime.min.time())
        end = datetime.combine(last, datetime.max.time()).replace(microsecond=999000)
        cursor = {}
    elif cursor and not cursor.get("complete"):
        start, end = (
            # Cursors saved before status passes existed name only their window.
            datetime.fromisoformat(cursor.get("pass_start") or cursor["window_start"]),
            datetime.fromisoformat(cursor["run_end"]),
        )
    else:
        swept = cursor.get("swept_until")
        start = (
            datetime.fromisoformat(swept) - timedelta(days=settings.hotmart_resweep_days)
            if swept
            else datetime.combine(options.history_start, datetime.min.time())
        )
        end = now
        cursor = {}
    progress = Progress(f"{SOURCE}.{stream}")
    buffer: list[RawRecord] = []
    pages = _pages(
        client, STREAMS[stream], status_passes(settings.hotmart_status_filter), start, end, cursor
    )
    for items, next_cursor in prefetched(pages):
        stats.pages += 1
        buffer.extend(to_record(item) for item in items)
        stats.received += len(items)
        # Several pages per transaction; the cursor saved is the one after the last of them.
        if len(buffer) >= FLUSH_RECORDS or next_cursor.get("complete"):
            with open_warehouse(settings) as con:
                stats.inserted += write_records(
                    con,
                    source=SOURCE,
                    entity=stream,
                    records=buffer,
                    load_id=load_id,
                    cursor=next_cursor,
                )
            buffer = []
            progress.update(stats.received)
    progress.update(stats.received, force=True)


def _pages(
    client: ApiClient,
    path: str,
    passes: list[dict[str, object]],
    start: datetime,
    end: datetime,
    cursor: dict,
) -> Iterator[tuple[list[dict], dict]]:
    """(items of one page, the cursor that resumes after it) over every pass and window.

    A cursor names the pass, the window start inside it and the page token; `pass_start` and
    `run_end` keep the whole sweep's bounds so a resumed run finishes the same sweep.
    """
    first_pass = int(cursor.get("pass", 0))
    resume_window = cursor.get("window_start")
    page_token = cursor.get("page_token")
    windows = date_windows(start, end)
    for pass_index in range(first_pass, len(passes)):
        for window_start, window_end in windows:
            if resume_window and window_start < datetime.fromisoformat(resume_window):
                continue
            resume_window = None
            while True:
                params = {
                    "max_results": PAGE_SIZE,
                    "start_date": to_epoch_ms(window_start),
                    "end_date": to_epoch_ms(window_end),
                    **passes[pass_index],
                }
                if page_token:
                    params["page_token"] = page_token
                payload = client.get(path, params=params)
                items = payload.get("items") or [] if isinstance(payload, dict) else []
                page_token = ((payload or {}).get("page_info") or {}).get("next_page_token")
                yield (
                    items,
                    _next_cursor(
                        pass_index, len(passes), window_end, end, start, page_token, window_start
                    ),
                )
                if not page_token:
                    break


def _next_cursor(pass_index, pass_count, window_end, end, start, page_token, window_start):
    """Where the sweep continues after a page: its next page, next window or next pass."""
    if page_token:
        next_pass, next_window = pass_index, window_start
    elif window_end < end:
        next_pass, next_window = pass_index, window_end + timedelta(milliseconds=1)
    elif pass_index + 1 < pass_count:
        next_pass, next_window = pass_index + 1, start
    else:
        return {"complete": True, "swept_until": end.isoformat()}
    return {
        "complete": False,
        "pass": next_pass,
        "window_start": next_window.isoformat(),
        "page_token": page_token,
        "pass_start": start.isoformat(),
        "run_end": end.isoformat(),
    }
