"""What every emulator speaks: a parsed request, a response to encode, the emulator protocol.

Shared by the server and the emulators, so neither imports the other for these.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Protocol


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
