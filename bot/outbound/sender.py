"""Deliver ``webhook`` outbox rows: sign with Standard Webhooks, POST with httpx, classify.

What is retried follows the Standard Webhooks guidance: network errors,
408, 429 and 5xx may pass, so they are tried again on the schedule of
:class:`WebhookRetry` (about a day), then dead-lettered; any other answer
outside 2xx (a 410 Gone, a 400, a redirect, which is not followed) will be
the same next time and is dead-lettered at once. A 429 with ``Retry-After``
pauses the subscriber until then without counting an attempt.

Order per lead: a row is held back while an earlier row of the same lead
for the same subscriber is still pending, so a subscriber never sees
``lead.won`` before that lead's ``lead.accepted``, whatever failed in between.
A dead-lettered row no longer holds later ones back.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from sqlalchemy.engine import Connection, Engine
from standardwebhooks import Webhook

from bot.delivery.policy import (
    Delivered,
    Outcome,
    Permanent,
    RateLimited,
    Retry,
    RetryPolicy,
    Waiting,
    parse_retry_after,
)
from storage.clock import utc_now
from storage.outbox import OutboxItem, earlier_undelivered

#: waits after the 1st … 7th failed attempt (the Standard Webhooks / Svix schedule):
#: attempts go immediately, then after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h and 10 h
STANDARD_SCHEDULE: tuple[float, ...] = (5, 300, 1800, 7200, 18000, 36000, 36000)
#: connect quickly or not at all; a receiver gets 15 s to answer
TIMEOUT = httpx.Timeout(15.0, connect=5.0)
#: how soon a row held back behind an earlier one of its lead looks again
WAIT_STEP = timedelta(milliseconds=500)
USER_AGENT = "leadbot-webhooks/1"


@dataclass(frozen=True)
class WebhookRetry(RetryPolicy):
    """Retry after each wait of ``schedule`` in turn (jittered), then dead-letter.

    A fixed table rather than a doubling series: the first retries come
    quickly for blips, the last ones hours apart to ride out an outage.
    """

    schedule: tuple[float, ...] = STANDARD_SCHEDULE

    def __post_init__(self) -> None:
        if not self.schedule or min(self.schedule) <= 0:
            raise ValueError("the schedule needs at least one positive wait")
        # one attempt more than there are waits: the last failure dead-letters
        object.__setattr__(self, "max_attempts", len(self.schedule) + 1)
        super().__post_init__()

    def nominal_delay(self, attempts: int) -> float:
        return self.schedule[min(max(attempts, 1), len(self.schedule)) - 1]


def classify(status: int, retry_after: str | None, now: datetime) -> Outcome:
    """What an HTTP answer means for delivery (see the module docstring)."""
    if 200 <= status < 300:
        return Delivered({"status": status})
    text = f"HTTP {status}"
    if status == 429 and retry_after is not None:
        return RateLimited(retry_after_seconds(retry_after, now), text)
    if status in (408, 429) or status >= 500:
        return Retry(text)
    return Permanent(text)


def retry_after_seconds(value: str, now: datetime) -> float:
    """``Retry-After`` as seconds to wait: a number of seconds or an HTTP date."""
    try:
        return max((parsedate_to_datetime(value) - now).total_seconds(), 0.0)
    except (TypeError, ValueError):
        return parse_retry_after(value)


class WebhookSender:
    """The ``Sender`` for ``webhook`` rows (see ``bot.delivery.worker``)."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        engine: Engine,
        urls: Mapping[str, str],
        signers: Mapping[str, Webhook],
        *,
        give_up_after: timedelta,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        """``urls`` and ``signers`` by subscriber name; a row for a name missing there
        (a subscriber removed from the configuration) is dead-lettered.

        ``give_up_after``: a row still refused with 429 this long after it was
        queued is dead-lettered, as the retry schedule would have done.
        """
        self._client = client
        self._engine = engine
        self._urls = dict(urls)
        self._signers = dict(signers)
        self._give_up_after = give_up_after
        self._clock = clock

    def paced(self, item: OutboxItem) -> bool:
        """Subscribers are not paced up front; they say so with a 429."""
        return False

    async def send(self, item: OutboxItem) -> Outcome:
        name = item.payload["subscriber"]
        url, signer = self._urls.get(name), self._signers.get(name)
        if url is None or signer is None:
            return Permanent(f"subscriber {name!r} is no longer configured")
        earlier = await asyncio.to_thread(self._earlier_pending, item)
        if earlier is not None:
            earlier_id, earlier_at = earlier
            until = max(earlier_at, self._clock()) + WAIT_STEP
            return Waiting(until, f"after outbox item {earlier_id} of the same lead")
        event = item.payload["event"]
        body = json.dumps(event, separators=(",", ":"), ensure_ascii=False)
        now = self._clock()
        headers = {
            "content-type": "application/json",
            "user-agent": USER_AGENT,
            "webhook-id": event["id"],
            "webhook-timestamp": str(int(now.timestamp())),
            "webhook-signature": signer.sign(event["id"], now, body),
        }
        try:
            response = await self._client.post(url, content=body.encode(), headers=headers)
        except httpx.TransportError as exc:
            return Retry(f"{type(exc).__name__}: {exc}".strip(": "))
        outcome = classify(response.status_code, response.headers.get("retry-after"), now)
        if isinstance(outcome, RateLimited) and now - item.created_at > self._give_up_after:
            return Permanent(f"{outcome.error}, still rate limited after {self._give_up_after}")
        return outcome

    def record(
        self, conn: Connection, item: OutboxItem, result: Mapping[str, Any], now: datetime
    ) -> None:
        """Nothing follows a delivered webhook; the row keeps the status code."""

    def _earlier_pending(self, item: OutboxItem) -> tuple[int, datetime] | None:
        with self._engine.connect() as conn:
            return earlier_undelivered(conn, item)
