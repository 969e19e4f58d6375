"""One HTTP policy for every API client: timeouts, retries with backoff and jitter, client-side
rate limits, rate-limit headers honoured, and secrets kept out of logs and exceptions.

Retries (tenacity) cover 429, 5xx, 423/477, connection resets, timeouts and 2xx bodies that
are not valid JSON (truncated, or Hotmart's empty 200). Other 4xx fail at once with an
`ApiError` naming the source, method, path and the API's own message.
"""

from __future__ import annotations

import json
import logging
import os
import random
import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception_type, stop_after_attempt

from crm_elt.logs import RedactingFilter, redact

logger = logging.getLogger("crm_elt.http")
# urllib3 logs request lines at DEBUG, query string included (Hotmart's client_secret rides
# there): redact its records too, whoever configures the handlers. Logger filters only see
# records of their own logger, hence the exact names.
for _name in ("urllib3.connectionpool", "urllib3.util.retry", "requests"):
    _logger = logging.getLogger(_name)
    if not any(isinstance(item, RedactingFilter) for item in _logger.filters):
        _logger.addFilter(RedactingFilter())

RETRYABLE_STATUSES = frozenset({423, 429, 477, 500, 502, 503, 504, 524})
# Our clock starts a call a moment before the server's does: wait this much past our window.
WINDOW_MARGIN_S = 0.05


class ApiError(Exception):
    """A request the API refused; the message is one line without secrets."""

    def __init__(self, source: str, status: int | None, method: str, path: str, detail: str):
        self.source, self.status, self.method, self.path = source, status, method, path
        code = f"HTTP {status}" if status else "no response"
        super().__init__(redact(f"{source} {method} {path} failed ({code}): {detail}"))


class AuthenticationError(ApiError):
    """401/403: the credentials in .env were refused."""

    def __init__(self, source: str, status: int, method: str, path: str, detail: str):
        super().__init__(source, status, method, path, detail)
        self.args = (
            redact(
                f"{source} rejected the credentials (HTTP {status} on {method} {path}): "
                f"{detail}; check the {source.upper()}_* values in .env"
            ),
        )


class DailyLimitReached(ApiError):
    """The API's daily budget is spent: waiting inside this run would not help."""


class _Retryable(Exception):
    def __init__(self, reason: str, wait_hint: float | None = None, status: int | None = None):
        super().__init__(reason)
        self.reason, self.wait_hint, self.status = reason, wait_hint, status


class SlidingWindowLimiter:
    """At most `limit` calls in any `window_s`: blocks the caller until a call is allowed.

    A call counts for `margin_s` longer than the server's window: calls sent from several
    threads reach the server a little out of the order they were admitted in, so a call at
    the very edge of our window can still be inside the server's.
    """

    def __init__(
        self,
        limit: int,
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
        margin_s: float = 0.0,
    ):
        self.limit, self.window_s, self.clock = limit, window_s, clock
        self.margin_s = margin_s
        self.calls: deque[float] = deque()
        self.lock = threading.Lock()

    def acquire(self) -> float:
        """Take one call from the budget; returns the seconds spent waiting."""
        waited = 0.0
        while True:
            with self.lock:
                now = self.clock()
                span = self.window_s + self.margin_s
                while self.calls and now - self.calls[0] >= span:
                    self.calls.popleft()
                if len(self.calls) < self.limit:
                    self.calls.append(now)
                    return waited
                pause = span - (now - self.calls[0]) + 0.001
            time.sleep(pause)
            waited += pause

    def seconds_until_slot(self) -> float:
        """How long until the oldest call in the window leaves it (0 if the window is empty)."""
        with self.lock:
            if not self.calls:
                return 0.0
            return max(0.0, self.window_s + self.margin_s - (self.clock() - self.calls[0]))


@dataclass
class RetryPolicy:
    max_attempts: int = 8
    base_delay_s: float = 0.5
    max_delay_s: float = 30.0
    # HubSpot asks for ~10 s after a ten-secondly 429 and ~1 s after a secondly one.
    ten_secondly_delay_s: float = 10.0
    secondly_delay_s: float = 1.0


@dataclass
class ApiClient:
    source: str
    base_url: str
    auth_headers: Callable[[], Mapping[str, str]]
    timeout_s: float = 30.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    limiters: dict[str, SlidingWindowLimiter] = field(default_factory=dict)
    on_unauthorized: Callable[[], bool] | None = None  # e.g. refresh a token; True to retry
    retries: int = 0
    requests_sent: int = 0
    session: requests.Session = field(default_factory=requests.Session)
    _proxies_by_host: dict[str, dict[str, str]] = field(default_factory=dict, repr=False)
    _environment_proxies: bool = field(default=False, repr=False)
    # Counters are shared by the threads that fetch independent pages concurrently.
    _counter_lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def __post_init__(self) -> None:
        # requests re-reads proxy settings from the environment on every call (about 0.4 ms,
        # a tenth of a call to the emulators); read them once per host instead.
        if self.session.trust_env:
            self.session.trust_env = False
            self._environment_proxies = True
            bundle = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE")
            if bundle and self.session.verify is True:
                self.session.verify = bundle

    def _proxies(self, url: str) -> dict[str, str]:
        if not self._environment_proxies:
            return {}
        host = urlsplit(url).netloc
        if host not in self._proxies_by_host:
            self._proxies_by_host[host] = requests.utils.get_environ_proxies(url)
        return self._proxies_by_host[host]

    def get(self, path: str, *, params: Mapping | None = None, bucket: str = "default") -> object:
        return self.request("GET", path, params=params, bucket=bucket)

    def post(
        self,
        path: str,
        *,
        body: object = None,
        params: Mapping | None = None,
        bucket: str = "default",
    ) -> object:
        return self.request("POST", path, params=params, body=body, bucket=bucket)

    def request(
        self,
        method: str,
        path: str,
        *,
        params: Mapping | None = None,
        body: object = None,
        bucket: str = "default",
        url: str | None = None,
    ) -> object:
        """Send one request under the policy and return its parsed JSON body."""
        unauthorized_retried = False
        retrying = Retrying(
            stop=stop_after_attempt(self.retry.max_attempts),
            wait=self._wait,
            retry=retry_if_exception_type(_Retryable),
            before_sleep=self._before_sleep(method, path),
            reraise=True,
        )
        while True:
            try:
                for attempt in retrying:
                    with attempt:
                        return self._send_once(method, path, params, body, bucket, url)
            except _Retryable as exc:
                raise ApiError(
                    self.source,
                    exc.status,
                    method,
                    path,
                    f"gave up after {self.retry.max_attempts} attempts: {exc.reason}",
                ) from None
            except AuthenticationError:
                if self.on_unauthorized and not unauthorized_retried and self.on_unauthorized():
                    unauthorized_retried = True
                    continue
                raise

    def _send_once(self, method, path, params, body, bucket, url) -> object:
        limiter = self.limiters.get(bucket)
        if limiter is not None:
            limiter.acquire()
        with self._counter_lock:
            self.requests_sent += 1
        target = url or f"{self.base_url}{path}"
        try:
            response = self.session.request(
                method,
                target,
                params=params,
                json=body,
                headers=dict(self.auth_headers()),
                timeout=self.timeout_s,
                proxies=self._proxies(target),
            )
        except (requests.ConnectionError, requests.Timeout) as exc:
            raise _Retryable(type(exc).__name__) from None
        except requests.RequestException as exc:
            raise ApiError(self.source, None, method, path, type(exc).__name__) from None
        status = response.status_code
        self._pause_if_budget_spent(response, limiter)
        if status in (401, 403):
            raise AuthenticationError(self.source, status, method, path, _api_message(response))
        if status == 429:
            raise self._rate_limited(response, method, path)
        if status in RETRYABLE_STATUSES:
            hint = _seconds(response.headers.get("Retry-After"))
            raise _Retryable(f"HTTP {status}", hint, status)
        if status >= 400:
            raise ApiError(self.source, status, method, path, _api_message(response))
        try:
            return response.json()
        except (ValueError, json.JSONDecodeError):
            what = "an empty body" if not response.content else "a body that is not valid JSON"
            raise _Retryable(f"HTTP {status} with {what}", None, status) from None

    def _rate_limited(self, response: requests.Response, method: str, path: str) -> Exception:
        payload = _json_or_empty(response)
        policy = str(payload.get("policyName", "")).upper()
        if policy == "DAILY":
            return DailyLimitReached(self.source, 429, method, path, _api_message(response))
        hint = _seconds(response.headers.get("Retry-After"))
        if hint is None:
            hint = _seconds(response.headers.get("RateLimit-Reset"))
        if hint is None and policy == "TEN_SECONDLY_ROLLING":
            hint = self.retry.ten_secondly_delay_s
        if hint is None and "secondly" in str(payload.get("message", "")).lower():
            hint = self.retry.secondly_delay_s
        return _Retryable("HTTP 429", hint, 429)

    def _pause_if_budget_spent(
        self, response: requests.Response, limiter: SlidingWindowLimiter | None
    ) -> None:
        """HubSpot and Hotmart say how much budget is left: stop before the next call 429s.

        HubSpot's window is rolling, so a slot frees when the oldest call in it ages out; our
        own limiter knows when that is for our calls. Sleeping the whole interval instead
        would idle a client that runs at its budget after every window-full of calls.
        """
        headers = response.headers
        if headers.get("X-HubSpot-RateLimit-Remaining") == "0":
            interval = _seconds(headers.get("X-HubSpot-RateLimit-Interval-Milliseconds"))
            interval_s = (interval or 10_000) / 1000
            longest = min(interval_s, self.retry.ten_secondly_delay_s)
            if limiter is not None and limiter.calls and limiter.window_s == interval_s:
                time.sleep(min(limiter.seconds_until_slot() + WINDOW_MARGIN_S, longest))
            else:
                time.sleep(longest)
        elif headers.get("RateLimit-Remaining") == "0":
            time.sleep(min(_seconds(headers.get("RateLimit-Reset")) or 1.0, 60.0))

    def _wait(self, state: RetryCallState) -> float:
        exc = state.outcome.exception() if state.outcome else None
        hint = getattr(exc, "wait_hint", None)
        exponential = self.retry.base_delay_s * 2 ** (state.attempt_number - 1)
        delay = min(self.retry.max_delay_s, max(exponential, hint or 0.0))
        return delay * (0.5 + random.random() / 2)  # jitter: spread retries of parallel clients

    def _before_sleep(self, method: str, path: str) -> Callable[[RetryCallState], None]:
        def log(state: RetryCallState) -> None:
            with self._counter_lock:
                self.retries += 1
            reason = getattr(state.outcome.exception(), "reason", "error")
            logger.info(
                "%s %s %s: %s, retry %d in %.1f s",
                self.source,
                method,
                path,
                reason,
                state.attempt_number,
                state.next_action.sleep if state.next_action else 0.0,
            )

        return log


def _api_message(response: requests.Response) -> str:
    payload = _json_or_empty(response)
    for key in ("message", "error_description", "error"):
        if payload.get(key):
            return str(payload[key])[:300]
    return (response.text or response.reason or "").strip()[:300] or "no detail"


def _json_or_empty(response: requests.Response) -> dict:
    try:
        payload = response.json()
    except ValueError:
        return {}
    return payload if isinstance(payload, dict) else {}


def _seconds(value: str | None) -> float | None:
    try:
        return float(value) if value not in (None, "") else None
    except ValueError:
        return None
