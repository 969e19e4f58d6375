"""Fault injection shared by the three APIs: seeded decisions and each API's fault bodies."""

from __future__ import annotations

import random
import threading

from crm_elt.sandbox.config import SandboxConfig


class FaultInjector:
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


RATE_LIMIT_BODIES = {
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
SERVER_ERROR_BODIES = {
    "hubspot": {"status": "error", "message": "Internal error", "category": "INTERNAL_ERROR"},
    "hotmart": {"error": "internal_server_error", "error_description": "Internal server error"},
    "manychat": {"status": "error", "message": "Internal server error"},
}
