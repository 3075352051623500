"""Failures the Web API stand-in produces on demand, and Slack's per-channel rate limit.

Delivery code has to survive 429s, 5xx answers, slowness and the worst case
of all: Slack accepted a message but the answer never arrived. These are
scripted here so tests can provoke each one precisely.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from enum import Enum


class FaultKind(Enum):
    RATE_LIMITED = "rate_limited"
    SERVER_ERROR = "server_error"
    DELAY = "delay"
    #: Do the work (store the message), then answer with a server error.
    AMBIGUOUS = "ambiguous"


@dataclass
class Fault:
    kind: FaultKind
    method: str | None
    remaining: int | None
    status: int = 500
    retry_after: int = 1
    delay: float = 0.0

    def matches(self, method: str) -> bool:
        return self.method is None or self.method == method


@dataclass(frozen=True)
class RateLimited:
    retry_after: int


class Faults:
    """Scripted failures, consumed first in, first out; ``times=None`` means forever."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._lock = threading.Lock()
        self._faults: list[Fault] = []
        self._limiter: ChannelRateLimiter | None = None
        self._clock = clock

    def rate_limit(
        self, method: str | None = None, *, times: int | None = 1, retry_after: int = 1
    ) -> None:
        """Answer HTTP 429 with ``Retry-After: retry_after``."""
        self._add(Fault(FaultKind.RATE_LIMITED, method, times, status=429, retry_after=retry_after))

    def server_error(
        self, method: str | None = None, *, times: int | None = 1, status: int = 500
    ) -> None:
        self._add(Fault(FaultKind.SERVER_ERROR, method, times, status=status))

    def delay(self, seconds: float, method: str | None = None, *, times: int | None = 1) -> None:
        """Answer normally, but only after ``seconds``."""
        self._add(Fault(FaultKind.DELAY, method, times, delay=seconds))

    def ambiguous(
        self, method: str = "chat.postMessage", *, times: int | None = 1, status: int = 500
    ) -> None:
        """Carry out the call, then answer as if it had failed."""
        self._add(Fault(FaultKind.AMBIGUOUS, method, times, status=status))

    def enforce_rate_limit(self, per_second: float = 1.0, burst: int = 3) -> None:
        """Refuse ``chat.postMessage`` beyond ``per_second`` per channel, as Slack does."""
        with self._lock:
            self._limiter = ChannelRateLimiter(per_second, burst, self._clock)

    def clear(self) -> None:
        """Forget every scripted fault and stop enforcing the rate limit."""
        with self._lock:
            self._faults.clear()
            self._limiter = None

    def take(self, method: str) -> Fault | None:
        """The fault to apply to this call of ``method``, if any, counting it as used."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(method):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                        if fault.remaining <= 0:
                            self._faults.remove(fault)
                    return fault
        return None

    def check_rate(self, method: str, channel: str) -> RateLimited | None:
        """Whether Slack's per-channel message rate limit refuses this call."""
        with self._lock:
            limiter = self._limiter
        if limiter is None or method != "chat.postMessage":
            return None
        return limiter.acquire(channel)

    def _add(self, fault: Fault) -> None:
        if fault.remaining is not None and fault.remaining < 1:
            raise ValueError("times must be at least 1, or None for every call")
        with self._lock:
            self._faults.append(fault)


class ChannelRateLimiter:
    """A token bucket per channel: ``burst`` messages at once, then ``per_second``."""

    def __init__(self, per_second: float, burst: int, clock: Callable[[], float]) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be positive and burst at least 1")
        self.per_second, self.burst = per_second, burst
        self._clock = clock
        self._lock = threading.Lock()
        self._buckets: dict[str, tuple[float, float]] = {}

    def acquire(self, channel: str) -> RateLimited | None:
        with self._lock:
            now = self._clock()
            tokens, last = self._buckets.get(channel, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.per_second)
            if tokens >= 1.0:
                self._buckets[channel] = (tokens - 1.0, now)
                return None
            self._buckets[channel] = (tokens, now)
            wait = (1.0 - tokens) / self.per_second
            return RateLimited(retry_after=max(1, math.ceil(wait)))
