"""The HTTP policy against a tiny real server that answers a script of responses in order."""

from __future__ import annotations

import json
import logging
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from crm_elt.http import (
    ApiClient,
    ApiError,
    AuthenticationError,
    DailyLimitReached,
    RetryPolicy,
    SlidingWindowLimiter,
)
from crm_elt.logs import register_secrets

SECRET = "pat-na1-unit-test-secret-0001"
FAST = RetryPolicy(
    max_attempts=4,
    base_delay_s=0.01,
    max_delay_s=0.05,
    ten_secondly_delay_s=0.05,
    secondly_delay_s=0.01,
)


class ScriptedServer:
    """Each request pops the next (status, body, headers); 'reset' closes the socket."""

    def __init__(self, script):
        self.script = list(script)
        self.requests: list[str] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                outer.requests.append(self.path)
                status, body, headers = outer.script.pop(0)
                if status == "reset":
                    self.connection.close()
                    return
                payload = body if isinstance(body, bytes) else json.dumps(body).encode()
                self.send_response(status)
                for key, value in (headers or {}).items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def client(self, **kwargs) -> ApiClient:
        return ApiClient(
            source="hubspot",
            base_url=self.url,
            retry=FAST,
            timeout_s=2,
            auth_headers=lambda: {"Authorization": f"Bearer {SECRET}"},
            **kwargs,
        )


@pytest.fixture
def scripted():
    servers = []

    def start(*script):
        server = ScriptedServer(script)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.server.shutdown()


def test_429_then_200_is_retried_and_counted(scripted):
    server = scripted((429, {"policyName": "TEN_SECONDLY_ROLLING"}, None), (200, {"ok": 1}, None))
    client = server.client()
    assert client.get("/x") == {"ok": 1}
    assert client.retries == 1


def test_500_twice_then_200(scripted):
    server = scripted((500, {}, None), (502, {}, None), (200, {"ok": 2}, None))
    assert server.client().get("/x") == {"ok": 2}
    assert len(server.requests) == 3


def test_reset_then_truncated_json_then_200(scripted):
    server = scripted(("reset", None, None), (200, b'{"results": [', None), (200, {"ok": 3}, None))
    client = server.client()
    assert client.get("/x") == {"ok": 3}
    assert client.retries == 2


def test_empty_200_body_is_retried(scripted):
    server = scripted((200, b"", None), (200, {"ok": 4}, None))
    assert server.client().get("/x") == {"ok": 4}


def test_400_fails_at_once_with_the_apis_message(scripted):
    server = scripted((400, {"message": "Property values were not valid"}, None))
    with pytest.raises(ApiError, match=r"HTTP 400.*Property values were not valid"):
        server.client().get("/crm/v3/objects/contacts")
    assert len(server.requests) == 1


def test_gives_up_after_max_attempts(scripted):
    server = scripted(*[(503, {}, None)] * 4)
    with pytest.raises(ApiError, match="gave up after 4 attempts"):
        server.client().get("/x")


def test_daily_limit_is_not_retried(scripted):
    server = scripted(
        (429, {"policyName": "DAILY", "message": "You have reached your daily limit."}, None)
    )
    with pytest.raises(DailyLimitReached):
        server.client().get("/x")
    assert len(server.requests) == 1


def test_401_names_the_source_and_the_env_file_and_hides_the_token(scripted, caplog):
    register_secrets([SECRET])
    server = scripted((401, {"message": f"token {SECRET} is not valid"}, None))
    with caplog.at_level(logging.DEBUG), pytest.raises(AuthenticationError) as error:
        server.client().get(f"/x?key={SECRET}")
    message = str(error.value)
    assert "hubspot rejected the credentials (HTTP 401" in message
    assert ".env" in message
    assert SECRET not in message
    assert SECRET not in caplog.text


def test_401_refreshes_credentials_once_then_succeeds(scripted):
    server = scripted((401, {"error": "invalid_token"}, None), (200, {"ok": 5}, None))
    refreshed = []
    client = server.client(on_unauthorized=lambda: refreshed.append(True) or True)
    assert client.get("/x") == {"ok": 5}
    assert refreshed == [True]


def test_query_parameters_reach_the_server(scripted):
    server = scripted((200, {"ok": 6}, None))
    server.client().get("/crm", params={"limit": 100, "after": "abc"})
    assert server.requests == ["/crm?limit=100&after=abc"]


def test_sliding_window_limiter_blocks_past_its_budget():
    now = [0.0]
    limiter = SlidingWindowLimiter(2, 10.0, clock=lambda: now[0])
    assert limiter.acquire() == 0.0
    assert limiter.acquire() == 0.0
    assert len(limiter.calls) == 2
    now[0] = 10.5  # the window has moved on: no wait
    assert limiter.acquire() == 0.0


def test_spent_budget_waits_only_until_our_oldest_call_leaves_the_window(scripted):
    spent = {
        "X-HubSpot-RateLimit-Remaining": "0",
        "X-HubSpot-RateLimit-Interval-Milliseconds": "300",
    }
    patient = RetryPolicy(max_attempts=2, ten_secondly_delay_s=5.0)
    server = scripted((200, {"ok": 1}, spent))
    limiter = SlidingWindowLimiter(100, 0.3)
    client = server.client(limiters={"default": limiter})
    client.retry = patient
    started = time.monotonic()
    assert client.get("/crm") == {"ok": 1}
    elapsed = time.monotonic() - started
    assert 0.2 < elapsed < 1.0  # our one call leaves the 0.3 s window; not the 5 s cap


def test_spent_budget_without_a_matching_limiter_waits_the_whole_interval(scripted):
    spent = {
        "X-HubSpot-RateLimit-Remaining": "0",
        "X-HubSpot-RateLimit-Interval-Milliseconds": "400",
    }
    server = scripted((200, {"ok": 1}, spent))
    client = server.client(limiters={"default": SlidingWindowLimiter(100, 10.0)})
    client.retry = RetryPolicy(max_attempts=2, ten_secondly_delay_s=5.0)
    started = time.monotonic()
    client.get("/crm")
    assert 0.35 < time.monotonic() - started < 1.0


def clear_proxy_environment(monkeypatch):
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


def test_proxies_from_the_environment_are_honoured(scripted, monkeypatch):
    clear_proxy_environment(monkeypatch)
    proxy = scripted((200, {"via": "proxy"}, None))
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    client = ApiClient(
        source="hubspot",
        base_url="http://crm.example.invalid",
        retry=FAST,
        timeout_s=2,
        auth_headers=lambda: {},
    )
    assert client.get("/crm") == {"via": "proxy"}
    assert proxy.requests == ["http://crm.example.invalid/crm"]  # absolute form: a proxy request


def test_no_proxy_hosts_are_called_directly(scripted, monkeypatch):
    clear_proxy_environment(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    server = scripted((200, {"ok": 1}, None))
    assert server.client().get("/crm") == {"ok": 1}


def test_a_margin_keeps_calls_in_the_window_a_little_longer():
    now = [0.0]
    limiter = SlidingWindowLimiter(1, 10.0, clock=lambda: now[0], margin_s=0.5)
    limiter.acquire()
    now[0] = 10.2  # out of the server's window, not yet out of ours
    assert limiter.seconds_until_slot() == pytest.approx(0.3)
    now[0] = 10.6
    assert limiter.acquire() == 0.0
