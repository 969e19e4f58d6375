"""The emulators' HTTP server: one ThreadingHTTPServer on 127.0.0.1 routing by API prefix.

`/hubspot/...`, `/hotmart/...` and `/manychat/...` go to each API's emulator;
`/_sandbox/health` answers readiness without auth.
"""

from __future__ import annotations

import json
import logging
import threading
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


@dataclass
class SandboxConfig:
    """Knobs for the emulators. Rate limits are off unless asked for."""

    rate_limits: bool = False
    hubspot_ten_second_limit: int = 190
    hubspot_search_per_second: int = 5
    hubspot_daily_limit: int = 1_000_000
    hubspot_max_url_length: int = 8000
    hotmart_per_minute: int = 500
    hotmart_token_expires_in: int = 86400
    seed: int = 0


class _Handler(BaseHTTPRequestHandler):
    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"

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
            try:
                response = self.server.emulators[prefix].handle(request)
            except Exception:
                logger.exception("emulator error on %s %s", self.command, split.path)
                response = Response(500, {"status": "error", "message": "internal error"})
        else:
            response = Response(404, {"status": "error", "message": f"no API at /{prefix}"})
        payload = response.encoded()
        self.send_response(response.status)
        content_type = "application/json;charset=utf-8" if payload else "text/plain"
        self.send_header("Content-Type", content_type)
        for name, value in response.headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        logger.debug("%s " + format, self.address_string(), *args)


class SandboxHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], emulators: dict[str, ApiEmulator]):
        super().__init__(address, _Handler)
        self.emulators = emulators

    def control(self, request: Request) -> Response:
        """`/_sandbox/*`, for readiness checks and tests; no auth, never faulted."""
        if request.path == "/health":
            return Response(200, {"status": "ok", "apis": sorted(self.emulators)})
        manychat = self.emulators.get("manychat")
        if request.path == "/manychat/writes" and manychat is not None:
            return Response(200, {"writes": list(manychat.writes)})
        hotmart = self.emulators.get("hotmart")
        if request.path == "/hotmart/expire-tokens" and hotmart is not None:
            hotmart.expire_tokens()
            return Response(200, {"status": "ok"})
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
    emulators = build_emulators(data_dir, config or SandboxConfig())
    return RunningSandbox(SandboxHTTPServer((host, port), emulators), emulators)


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
