"""The emulators' HTTP server: one ThreadingHTTPServer on 127.0.0.1 routing by API prefix.

`/hubspot/...`, `/hotmart/...` and `/manychat/...` go to each API's emulator;
`/_sandbox/*` is the control API for readiness and tests (no auth, never faulted):
`GET /_sandbox/health`; `GET /_sandbox/faults` (faults injected so far) and
`POST /_sandbox/faults` with a spec such as `hubspot:5xx=0.1,429=0.05;hotmart:empty=0.02`;
`GET /_sandbox/manychat/writes`; `POST /_sandbox/manychat/delete-subscribers` with
`{"ids": [...]}` (answers the ids it deleted); `POST /_sandbox/hotmart/expire-tokens`;
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

import logging
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from crm_elt.sandbox.config import FaultSpec, SandboxConfig
from crm_elt.sandbox.faults import RATE_LIMIT_BODIES, SERVER_ERROR_BODIES, FaultInjector
from crm_elt.sandbox.hotmart import HotmartEmulator
from crm_elt.sandbox.hubspot import HubSpotEmulator
from crm_elt.sandbox.manychat import ManyChatEmulator
from crm_elt.sandbox.protocol import ApiEmulator, Request, Response

logger = logging.getLogger("crm_elt.sandbox")


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
                response = Response(status, SERVER_ERROR_BODIES[prefix])
            elif fault == "429":
                body = dict(RATE_LIMIT_BODIES[prefix])
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
        self.faults = FaultInjector(config)

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
        if (
            request.path == "/manychat/delete-subscribers"
            and request.method == "POST"
            and manychat is not None
        ):
            ids = (request.json() or {}).get("ids") or []
            return Response(200, {"deleted": manychat.delete_subscribers(list(ids))})
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
