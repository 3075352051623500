"""What to do after a delivery attempt: the outcomes, Slack's error classes, the backoff.

Pure functions, so the retry behaviour can be read and tested without a
network or a database.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from typing import Any

# -- outcomes a sender reports --------------------------------------------


@dataclass(frozen=True)
class Delivered:
    """The receiver took it; ``result`` is kept on the row (e.g. a message ``ts``)."""

    result: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Retry:
    """A failure that may pass, and may have reached the receiver: counts an attempt."""

    error: str


@dataclass(frozen=True)
class RateLimited:
    """Refused for pace: the whole target pauses; no attempt is counted."""

    retry_after: float
    error: str = "ratelimited"


@dataclass(frozen=True)
class Permanent:
    """Can never succeed as it is: dead-lettered at once."""

    error: str


@dataclass(frozen=True)
class Waiting:
    """Depends on work not done yet; try again at ``until`` without counting an attempt."""

    until: datetime
    reason: str


Outcome = Delivered | Retry | RateLimited | Permanent | Waiting


# -- Slack errors ------------------------------------------------------------


class ErrorClass(Enum):
    RATE_LIMITED = "rate_limited"
    RETRYABLE = "retryable"
    PERMANENT = "permanent"


#: ``ok: false`` errors Slack documents as transient
SLACK_RETRYABLE_ERRORS = frozenset(
    {"ratelimited", "internal_error", "fatal_error", "service_unavailable", "request_timeout"}
)

#: Slack's fallback when the 429 carries no usable ``Retry-After``
DEFAULT_RETRY_AFTER = 1.0


def classify_slack_error(status: int, error: str | None) -> ErrorClass:
    """Sort a failed Web API answer by whether, and how, it is worth trying again.

    HTTP 429 pauses the channel; any 5xx is transient (Slack may even have
    acted on it); the documented transient ``ok: false`` codes are retried;
    every other code (``channel_not_found``, ``invalid_blocks``,
    ``not_in_channel``, ``invalid_auth`` …) fails the same way every time.
    """
    if status == 429:
        return ErrorClass.RATE_LIMITED
    if status >= 500 or error in SLACK_RETRYABLE_ERRORS:
        return ErrorClass.RETRYABLE
    return ErrorClass.PERMANENT


def parse_retry_after(value: str | None) -> float:
    """Seconds from a ``Retry-After`` header (Slack sends whole seconds)."""
    try:
        seconds = float(value) if value is not None else DEFAULT_RETRY_AFTER
    except ValueError:
        return DEFAULT_RETRY_AFTER
    return seconds if seconds >= 0 else DEFAULT_RETRY_AFTER


# -- backoff -------------------------------------------------------------------


@dataclass(frozen=True)
class RetryPolicy:
    """Exponential backoff with jitter, capped, for a bounded number of attempts.

    The defaults wait 2 s, 4 s, 8 s … up to an hour between attempts and give
    up after 35 attempts: about a day (see ``total_wait``), long enough to
    ride out an outage, short enough that a dead letter is noticed.
    """

    base: float = 2.0
    factor: float = 2.0
    cap: float = 3600.0
    #: each delay is drawn from [(1 - jitter) × nominal, nominal]
    jitter: float = 0.25
    max_attempts: int = 35

    def __post_init__(self) -> None:
        if self.base <= 0 or self.factor < 1 or self.cap < self.base:
            raise ValueError("need base > 0, factor >= 1 and cap >= base")
        if not 0 <= self.jitter < 1 or self.max_attempts < 1:
            raise ValueError("need 0 <= jitter < 1 and max_attempts >= 1")

    def nominal_delay(self, attempts: int) -> float:
        """The un-jittered wait after the ``attempts``-th failed attempt (1-based)."""
        exponent = max(attempts - 1, 0)
        # compare exponents rather than compute factor ** exponent, which overflows
        if self.factor > 1 and exponent >= math.log(self.cap / self.base, self.factor):
            return self.cap
        return self.base * self.factor**exponent

    def delay(self, attempts: int, rng: random.Random | None = None) -> float | None:
        """Seconds to wait after ``attempts`` failures, or ``None`` once they are used up.

        The jitter spreads retries from many rows that failed together (an
        outage) so they do not all come back at the same instant.
        """
        if attempts >= self.max_attempts:
            return None
        nominal = self.nominal_delay(attempts)
        draw = (rng or random).random()
        return nominal * (1 - self.jitter * draw)

    def total_wait(self) -> float:
        """The nominal time from the first failure to the dead letter."""
        return sum(self.nominal_delay(n) for n in range(1, self.max_attempts))
