"""What every extractor shares: per-stream bookkeeping into `_elt.load_log` and a run summary."""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TypeVar

from crm_elt.http import ApiClient
from crm_elt.settings import Settings
from crm_elt.warehouse import StreamStats, log_load, open_warehouse, utc_now

logger = logging.getLogger("crm_elt.sources")

T = TypeVar("T")
_DONE = object()


@dataclass
class StreamResult:
    stream: str
    stats: StreamStats
    duration_s: float
    outcome: str  # "success" | "failed"
    error: str | None = None


@dataclass
class ExtractResult:
    source: str
    load_id: str
    streams: list[StreamResult] = field(default_factory=list)

    @property
    def received(self) -> int:
        return sum(stream.stats.received for stream in self.streams)

    @property
    def inserted(self) -> int:
        return sum(stream.stats.inserted for stream in self.streams)

    @property
    def failed(self) -> list[StreamResult]:
        return [stream for stream in self.streams if stream.outcome != "success"]


@contextmanager
def tracked_stream(
    settings: Settings, result: ExtractResult, stream: str, client: ApiClient | None = None
) -> Iterator[StreamStats]:
    """Time one stream, then append its outcome to `_elt.load_log` and to `result`.

    `client`'s requests and retries during the stream are counted into its stats. Opens its
    own short connection for the log row, so the caller's connections stay theirs. An
    exception is logged and re-raised.
    """
    stats = StreamStats()
    started_at = utc_now()
    outcome, error = "success", None
    requests_before = client.requests_sent if client else 0
    retries_before = client.retries if client else 0
    try:
        yield stats
    except BaseException as exc:
        outcome, error = "failed", f"{type(exc).__name__}: {exc}"
        raise
    finally:
        if client is not None:
            stats.requests = client.requests_sent - requests_before
            stats.retries = client.retries - retries_before
        with open_warehouse(settings) as con:
            log_load(
                con,
                load_id=result.load_id,
                source=result.source,
                stream=stream,
                started_at=started_at,
                stats=stats,
                outcome=outcome,
                error=error,
            )
        duration = (utc_now() - started_at).total_seconds()
        result.streams.append(StreamResult(stream, stats, duration, outcome, error))
        logger.info(
            "%s.%s %s: %d pages, %d received, %d new versions, %d retries, %.1f s",
            result.source,
            stream,
            outcome,
            stats.pages,
            stats.received,
            stats.inserted,
            stats.retries,
            duration,
        )


def prefetched(pages: Iterable[T], depth: int = 4) -> Iterator[T]:
    """Iterate `pages` in a background thread, up to `depth` items ahead of the caller.

    While the caller writes one page to DuckDB (which releases the GIL), the next requests are
    already on the wire: HTTP waits overlap writes, and under a rate limit the request budget
    keeps being spent during writes. An exception in the producer is raised in the caller at
    the point where the item would have arrived; a caller that stops early stops the producer.
    """
    items: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def offer(item: object) -> bool:
        while not stop.is_set():
            try:
                items.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for page in pages:
                if not offer((page, None)):
                    return
        except BaseException as exc:  # handed to the caller, which decides
            offer((None, exc))
            return
        offer((_DONE, None))

    worker = threading.Thread(target=produce, name="prefetch", daemon=True)
    worker.start()
    try:
        while True:
            page, error = items.get()
            if error is not None:
                raise error
            if page is _DONE:
                return
            yield page
    finally:
        stop.set()
        worker.join(timeout=5)


def fetched_concurrently(
    tasks: Iterable[Callable[[], T]], workers: int = 2, ahead: int = 8
) -> Iterator[T]:
    """Run independent `tasks` (each fetches one page) on `workers` threads, results in order.

    For pages whose requests do not depend on each other (e.g. association batches of known
    ids), so one request is on the wire while another response is decoded and a third page
    written. At most `ahead` results wait for the caller; an exception is raised where its
    result would have arrived, and a caller that stops early cancels what has not started.
    """
    pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch")
    pending: deque[Future[T]] = deque()
    try:
        for task in tasks:
            pending.append(pool.submit(task))
            if len(pending) >= ahead:
                yield pending.popleft().result()
        while pending:
            yield pending.popleft().result()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)
