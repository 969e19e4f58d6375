"""HubSpot's rate limits (API_NOTES §1.5): ten-secondly and daily per app, search per second.

Off unless SandboxConfig.rate_limits; injected faults (crm_elt/sandbox/faults.py) come on top.
The 429 body and the `X-HubSpot-RateLimit-*` headers are the documented ones; search responses
carry no headers, and nothing sends `Retry-After`.
"""

from __future__ import annotations

import uuid

from crm_elt.sandbox.config import SandboxConfig
from crm_elt.sandbox.limits import RateLimiter
from crm_elt.sandbox.protocol import Response


class HubSpotRateLimits:
    def __init__(self, config: SandboxConfig):
        self.config = config
        self.ten_secondly = RateLimiter(config.hubspot_ten_second_limit, 10.0)
        self.secondly = RateLimiter(config.hubspot_search_per_second, 1.0)
        self.daily = RateLimiter(config.hubspot_daily_limit, 86400.0)

    def check(self, is_search: bool) -> Response | None:
        """Counts one request: None when allowed, else the 429 to answer."""
        if not self.config.rate_limits:
            return None
        allowed, _ = self.daily.take()
        if not allowed:
            return self._too_many("You have reached your daily limit.", "DAILY")
        if is_search:
            allowed, _ = self.secondly.take()
            if not allowed:
                return self._too_many("You have reached your secondly limit.", "SECONDLY")
            return None
        allowed, _ = self.ten_secondly.take()
        if not allowed:
            return self._too_many(
                "You have reached your ten_secondly_rolling limit.", "TEN_SECONDLY_ROLLING"
            )
        return None

    def _too_many(self, message: str, policy: str) -> Response:
        body = {
            "status": "error",
            "message": message,
            "errorType": "RATE_LIMIT",
            "correlationId": str(uuid.uuid4()),
            "policyName": policy,
            "groupName": "publicapi:sandbox",
            "requestId": str(uuid.uuid4()),
        }
        return Response(429, body, self.headers())

    def headers(self) -> dict[str, str]:
        used = len(self.ten_secondly.calls)
        return {
            "X-HubSpot-RateLimit-Interval-Milliseconds": "10000",
            "X-HubSpot-RateLimit-Max": str(self.ten_secondly.limit),
            "X-HubSpot-RateLimit-Remaining": str(max(self.ten_secondly.limit - used, 0)),
            "X-HubSpot-RateLimit-Daily": str(self.daily.limit),
            "X-HubSpot-RateLimit-Daily-Remaining": str(
                max(self.daily.limit - len(self.daily.calls), 0)
            ),
            "X-HubSpot-RateLimit-Secondly": str(self.config.hubspot_ten_second_limit // 10),
            "X-HubSpot-RateLimit-Secondly-Remaining": str(
                max(self.config.hubspot_ten_second_limit // 10 - self.ten_secondly.recent(1.0), 0)
            ),
        }

    def reset(self) -> None:
        for limiter in (self.ten_secondly, self.secondly, self.daily):
            limiter.reset()
