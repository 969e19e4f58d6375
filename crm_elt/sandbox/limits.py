"""A rolling-window request counter, shared by the emulators' rate limits."""

from __future__ import annotations

import threading
import time
from collections import deque


class RateLimiter:
    """Rolling-window counter, the way HubSpot counts its ten-secondly and secondly limits."""

    def __init__(self, limit: int, window_s: float):
        self.limit, self.window_s = limit, window_s
        self.calls: deque[float] = deque()
        self.lock = threading.Lock()

    def take(self) -> tuple[bool, int]:
        now = time.monotonic()
        with self.lock:
            while self.calls and now - self.calls[0] >= self.window_s:
                self.calls.popleft()
            if len(self.calls) >= self.limit:
                return False, 0
            self.calls.append(now)
            return True, self.limit - len(self.calls)

    def recent(self, seconds: float) -> int:
        horizon = time.monotonic() - seconds
        with self.lock:
            return sum(1 for moment in self.calls if moment >= horizon)

    def reset(self) -> None:
        with self.lock:
            self.calls.clear()
