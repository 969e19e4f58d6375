"""The emulators' HTTP server: one ThreadingHTTPServer on 127.0.0.1 routing by API prefix.

`/hubspot/...`, `/hotmart/...` and `/manychat/...` go to each API's emulator;
`/_sandbox/*` is the control API for readiness and tests (no auth, never faulted):
`GET /_sandbox/health`; `GET /_sandbox/faults` (faults injected so far) and
`POST /_sandbox/faults` with a spec such as `hubspot:5xx=0.1,429=0.05;hotmart:empty=0.02`;
`GET /_sandbox/manychat/writes`; `POST /_sandbox/hotmart/expire-tokens`;
`POST /_sandbox/rate-limits/reset` (empties every rate-limit window);
`POST /_sandbox/hubspot/touch` with `{"object_type","count","updated_at_ms","properties"?}` (edits
the first `count` live records as a user at that time: sets `properties`, bumps `updatedAt` and
the modified-date property, each change a version in propertiesWithHistory);
`POST /_sandbox/hubspot/associations/archive` with `{"from_type","to_type"}` and either
`"pairs": [[from_id, to_id], ...]` or `"count": N` (the first N linked pairs in id order): removes
those associations in both directions and answers `{"removed": [[from_id, to_id], ...]}`.
Faults (FaultSpec) are drawn from a generator seeded by SandboxConfig.seed.
"""

from __future__ import annotations

import json
import logging
import random
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Protocol
from urllib.parse import parse_qs, urlsplit

logger = logging.getLogger("crm_elt.sandbox")


@dataclass
class Request:
    method: str
    path: str  # below the API prefix, e.g. /crm/v3/objects/contacts
    query: dict[str, list[str]]
    headers: dict[str, str]
    body: bytes
    raw_target: str

    def json(self) -> object:
        return json.loads(self.body or b"null")

    def arg(self, name: str, default: str | None = None) -> str | None:
        values = self.query.get(name)
        return values[0] if values else default

    def header(self, name: str) -> str:
        return self.headers.get(name.lower(), "")


@dataclass
class Response:
    status: int = 200
    body: object = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # sent as is (used by fault injection for truncated bodies)

    def encoded(self) -> bytes:
        if self.raw is not None:
            return self.raw
        if self.body is None:
            return b""
        return json.dumps(self.body, separators=(",", ":"), ensure_ascii=False).encode()


class ApiEmulator(Protocol):
    def handle(self, request: Request) -> Response: ...

    def reset_rate_limits(self) -> None: ...


@dataclass
class FaultSpec:
    """Probabilities of each injected fault for one API (each request draws once)."""

    error_5xx: float = 0.0
    rate_limited: float = 0.0  # a 429 in the API's own shape
    burst: int = 0  # after a 429, this many more requests also get 429
    reset: float = 0.0  # the connection is closed without a response
    truncated: float = 0.0  # 200 with the JSON body cut in half
    empty: float = 0.0  # 200 with an empty body (a known Hotmart bug)
    slow: float = 0.0  # the answer comes after `slow_s`, longer than a client timeout
    slow_s: float = 3.0

    @classmethod
    def parse(cls, text: str) -> dict[str, FaultSpec]:
        """'hubspot:5xx=0.1,429=0.05;hotmart:empty=0.02' -> {api: FaultSpec}."""
        names = {
            "5xx": "error_5xx",
            "429": "rate_limited",
            "reset": "reset",
            "burst": "burst",
            "truncate": "truncated",
            "empty": "empty",
            "slow": "slow",
            "slow_s": "slow_s",
        }
        specs: dict[str, FaultSpec] = {}
        for part in filter(None, (chunk.strip() for chunk in text.split(";"))):
            api, _, settings = part.partition(":")
            spec = cls()
            for item in filter(None, settings.split(",")):
                key, _, value = item.partition("=")
                if key.strip() not in names:
                    raise ValueError(f"unknown fault {key!r}; expected one of {', '.join(names)}")
                kind = int if key.strip() == "burst" else float
                setattr(spec, names[key.strip()], kind(value))
            specs[api.strip()] = spec
        return specs


@dataclass
class SandboxConfig:
    """Knobs for the emulators. Rate limits and faults are off unless asked for."""

    rate_limits: bool = False
    hubspot_ten_second_limit: int = 190
    hubspot_search_per_second: int = 5
    hubspot_daily_limit: int = 1_000_000
    hubspot_max_url_length: int = 8000
    hubspot_clamp_list_limit: bool = False  # False: limit > 100 is a 400 VALIDATION_ERROR
    hubspot_merged_read_survivor: bool = False  # False: reading a merged-away id is a 404
    hubspot_search_max_groups: int = 5
    hubspot_search_max_filters_per_group: int = 6
    hubspot_search_max_filters: int = 18
    # propertiesWithHistory lowers the page max (SDK: 50); the same cap on batch-read inputs
    # with history is unconfirmed.
    hubspot_history_page_max: int = 50
    # Unconfirmed: inputs per v4 association batch/create and batch/archive (batch/read: 1000).
    hubspot_association_batch_max: int = 2000
    # Unconfirmed: True answers a batch/create with some bad inputs 207 and creates the rest;
    # False rejects the whole batch with a 400 and creates nothing.
    hubspot_association_errors_multi_status: bool = True
    # Unconfirmed: whether creating or removing an association bumps both records' modified
    # date (roll-ups such as num_associated_contacts might); False leaves them alone.
    hubspot_association_change_bumps_modified: bool = False
    # Unconfirmed: the propertiesWithHistory `sourceType` of writes made through the API.
    hubspot_api_write_source_type: str = "INTEGRATION"
    hotmart_per_minute: int = 500
    hotmart_token_expires_in: int = 86400
    hotmart_default_max_results: int = 10
    hotmart_max_window_days: int = 366
    hotmart_user_roles: tuple[str, ...] = ("BUYER", "PRODUCER")
    # Unconfirmed: how several `transaction_status` values are read. "repeated_or_comma"
    # honours both spellings; "first_only" keeps only the first value of the first key.
    hotmart_status_values: str = "repeated_or_comma"
    manychat_wrong_token_status: int = 401
    manychat_not_found_as_error: bool = False  # False: findBySystemField answers `data: []`
    seed: int = 0
    faults: dict[str, FaultSpec] = field(default_factory=dict)


class _FaultInjector:
    """Seeded decisions, so a failing test can be replayed with the same faults."""

    def __init__(self, config: SandboxConfig):
        self.config = config
        self.random = random.Random(config.seed)
        self.lock = threading.Lock()
        self.bursts: dict[str, int] = {}
        self.injected: dict[str, int] = {}

    def decide(self, api: str) -> str | None:
        spec = self.config.faults.get(api)
        if spec is None:
            return None
        with self.lock:
            if self.bursts.get(api, 0) > 0:
                self.bursts[api] -= 1
                return self._count("429")
            roll = self.random.random()
            for kind, rate in (
                ("5xx", spec.error_5xx),
                ("429", spec.rate_limited),
                ("reset", spec.reset),
                ("truncate", spec.truncated),
                ("empty", spec.empty),
                ("slow", spec.slow),
            ):
                if roll < rate:
                    if kind == "429":
                        self.bursts[api] = spec.burst
                    return self._count(kind)
                roll -= rate
        return None

    def server_error_status(self) -> int:
        with self.lock:
            return self.random.choice((500, 502, 503, 504))

    def _count(self, kind: str) -> str:
        self.injected[kind] = self.injected.get(kind, 0) + 1
        return kind


_RATE_LIMIT_BODIES = {
    "hubspot": {
        "status": "error",
        "message": "You have reached your ten_secondly_rolling limit.",
        "errorType": "RATE_LIMIT",
        "policyName": "TEN_SECONDLY_ROLLING",
        "groupName": "publicapi:sandbox",
    },
    "hotmart": {"error": "too_many_requests", "error_description": "Rate limit exceeded"},
    "manychat": {"status": "error", "message": "Too many requests"},
}
_SERVER_ERROR_BODIES = {
    "hubspot": {"status": "error", "message": "Internal error", "category": "INTERNAL_ERROR"},
    "hotmart": {"error": "internal_server_error", "error_description": "Internal server error"},
    "manychat": {"status": "error", "message": "Internal server error"},
}


class _Handler(BaseHTTPRequestHandler):
    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out in two writes; with Nagle on, each keep-alive response
    # waits ~40 ms for the delayed ACK.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        split = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        prefix, _, rest = split.path.lstrip("/").partition("/")
        request = Request(
            method=self.command,
            path="/" + rest,
            query=parse_qs(split.query, keep_blank_values=True),
            headers={key.lower(): value for key, value in self.headers.items()},
            body=body,
            raw_target=self.path,
        )
        if prefix == "_sandbox":
            response = self.server.control(request)
        elif prefix in self.server.emulators:
            fault = self.server.faults.decide(prefix)
            if fault == "reset":
                self.close_connection = True
                self.connection.shutdown(socket.SHUT_RDWR)
                return
            if fault == "slow":
                time.sleep(self.server.faults.config.faults[prefix].slow_s)
            if fault == "5xx":
                status = self.server.faults.server_error_status()
                response = Response(status, _SERVER_ERROR_BODIES[prefix])
            elif fault == "429":
                body = dict(_RATE_LIMIT_BODIES[prefix])
                if prefix == "hubspot":
                    body["correlationId"] = body["requestId"] = str(uuid.uuid4())
                response = Response(429, body)
            else:
                try:
                    response = self.server.emulators[prefix].handle(request)
                except Exception:
                    logger.exception("emulator error on %s %s", self.command, split.path)
                    response = Response(500, {"status": "error", "message": "internal error"})
                if fault == "truncate" and response.status == 200:
                    encoded = response.encoded()
                    response.raw = encoded[: len(encoded) // 2]
                elif fault == "empty" and response.status == 200:
                    response.raw = b""
        else:
            response = Response(404, {"status": "error", "message": f"no API at /{prefix}"})
        try:
            payload = response.encoded()
            self.send_response(response.status)
            content_type = "application/json;charset=utf-8" if payload else "text/plain"
            self.send_header("Content-Type", content_type)
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its timeout); nothing to send

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self, address: tuple[str, int], emulators: dict[str, ApiEmulator], config: SandboxConfig
    ):
        super().__init__(address, _Handler)
        self.emulators = emulators
        self.faults = _FaultInjector(config)

    def control(self, request: Request) -> Response:
        """`/_sandbox/*`, for readiness checks and tests; no auth, never faulted."""
        if request.path == "/health":
            return Response(200, {"status": "ok", "apis": sorted(self.emulators)})
        if request.path == "/faults":
            if request.method == "POST":
                self.faults.config.faults = FaultSpec.parse(request.body.decode())
            return Response(200, {"injected": dict(self.faults.injected)})
        manychat = self.emulators.get("manychat")
        if request.path == "/manychat/writes" and manychat is not None:
            return Response(200, {"writes": list(manychat.writes)})
        hotmart = self.emulators.get("hotmart")
        if request.path == "/hotmart/expire-tokens" and hotmart is not None:
            hotmart.expire_tokens()
            return Response(200, {"status": "ok"})
        if request.path == "/rate-limits/reset" and request.method == "POST":
            for emulator in self.emulators.values():
                emulator.reset_rate_limits()
            return Response(200, {"status": "ok"})
        hubspot = self.emulators.get("hubspot")
        if request.path == "/hubspot/touch" and request.method == "POST" and hubspot is not None:
            body = request.json() or {}
            ids = hubspot.touch(
                str(body.get("object_type", "contacts")),
                int(body.get("count", 1)),
                int(body.get("updated_at_ms", time.time() * 1000)),
                body.get("properties") or None,
            )
            return Response(200, {"ids": ids})
        if (
            request.path == "/hubspot/associations/archive"
            and request.method == "POST"
            and hubspot is not None
        ):
            body = request.json() or {}
            try:
                removed = hubspot.remove_associations(
                    str(body.get("from_type", "")),
                    str(body.get("to_type", "")),
                    body.get("pairs"),
                    int(body.get("count", 1)),
                )
            except ValueError as exc:
                return Response(400, {"status": "error", "message": str(exc)})
            return Response(200, {"removed": [list(pair) for pair in removed]})
        return Response(404, {"status": "error", "message": f"no control {request.path}"})


@dataclass
class RunningSandbox:
    server: SandboxHTTPServer
    emulators: dict[str, ApiEmulator]

    @property
    def url(self) -> str:
        host, port = self.server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def port(self) -> int:
        return self.server.server_address[1]


def build_emulators(data_dir: Path, config: SandboxConfig) -> dict[str, ApiEmulator]:
    from crm_elt.sandbox.hotmart import HotmartEmulator
    from crm_elt.sandbox.hubspot import HubSpotEmulator
    from crm_elt.sandbox.manychat import ManyChatEmulator

    return {
        "hubspot": HubSpotEmulator.from_dataset(Path(data_dir), config),
        "hotmart": HotmartEmulator.from_dataset(Path(data_dir), config),
        "manychat": ManyChatEmulator.from_dataset(Path(data_dir), config),
    }


def create_server(
    data_dir: Path, host: str = "127.0.0.1", port: int = 0, config: SandboxConfig | None = None
) -> RunningSandbox:
    config = config or SandboxConfig()
    emulators = build_emulators(data_dir, config)
    return RunningSandbox(SandboxHTTPServer((host, port), emulators, config), emulators)


@contextmanager
def start_sandbox(
    data_dir: Path, *, port: int = 0, config: SandboxConfig | None = None
) -> Iterator[RunningSandbox]:
    """Serve the emulators from a background thread for the duration of the block."""
    sandbox = create_server(data_dir, port=port, config=config)
    thread = threading.Thread(target=sandbox.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield sandbox
    finally:
        sandbox.server.shutdown()
        sandbox.server.server_close()
        thread.join(timeout=10)
