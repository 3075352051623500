"""The outbox worker: claims due rows and delivers them, paced, retried, never twice.

Rows are claimed in batches and queued in one *lane* per target (a Slack
channel), drained in order: a channel gets its messages in the order they
were claimed, and a row that refers to an earlier message finds it recorded.
Lanes of different targets run side by side. Pacing keeps a row in memory
only briefly (``hold``); work further out is handed back to the table with
the time its turn comes, so a backlog in one channel never holds up another
and every instance sees the same queue.

All state lives in the ``outbox`` table, so a restart (or another instance,
once a lease expires) carries on where this one stopped. Database calls run
in worker threads so the event loop never waits on them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
import uuid
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy.engine import Connection, Engine

from bot.delivery.doorbell import Doorbell
from bot.delivery.pacing import Pacer
from bot.delivery.policy import (
    Delivered,
    Outcome,
    Permanent,
    RateLimited,
    Retry,
    RetryPolicy,
    Waiting,
)
from storage import outbox
from storage.clock import utc_now
from storage.outbox import OutboxItem

log = logging.getLogger(__name__)


class Sender(Protocol):
    """Delivers the rows of one ``Outbox.kind``."""

    def paced(self, item: OutboxItem) -> bool:
        """Whether ``item`` counts against its target's rate."""
        ...

    async def send(self, item: OutboxItem) -> Outcome: ...

    def record(
        self, conn: Connection, item: OutboxItem, result: Mapping[str, Any], now: datetime
    ) -> None:
        """Store what delivery produced, in the transaction that marks the row done."""
        ...


@dataclass(frozen=True)
class DeliveryConfig:
    #: steady sends per second per target, and how many may go at once
    per_second: float = 1.0
    burst: int = 3
    retry: RetryPolicy = field(default_factory=RetryPolicy)
    #: how often the table is polled when nobody calls ``notify``
    poll_interval: float = 0.5
    #: rows held in memory at most (claimed and not yet settled)
    capacity: int = 100
    #: a claim this old is presumed abandoned and taken over by any instance
    lease: timedelta = timedelta(seconds=60)
    #: longest a claimed row waits in memory for its turn before going back to the table
    hold: float = 2.0
    #: shortest time between two claims: wake-ups after busy commits are coalesced
    claim_interval: float = 0.05


@dataclass
class _Claim:
    item: OutboxItem
    #: monotonic time after which the row must not be started (its lease is running out)
    start_by: float


class OutboxWorker:
    def __init__(
        self,
        engine: Engine,
        *,
        senders: Mapping[str, Sender],
        clock: Callable[[], datetime] = utc_now,
        doorbell: Doorbell | None = None,
        instance_id: str | None = None,
        config: DeliveryConfig | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self._engine = engine
        self._senders = dict(senders)
        self._clock = clock
        self._doorbell = doorbell
        self._stop_listening: Callable[[], None] | None = None
        self.instance_id = instance_id or uuid.uuid4().hex[:8]
        self.config = config or DeliveryConfig()
        self._rng = rng or random.Random()
        self._pacer = Pacer(self.config.per_second, self.config.burst)
        self._lanes: dict[str, deque[_Claim]] = {}
        self._lane_tasks: set[asyncio.Task[None]] = set()
        self._held = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._main: asyncio.Task[None] | None = None

    async def start(self) -> None:
        if self._main is not None:
            raise RuntimeError("the worker is already running")
        self._loop = asyncio.get_running_loop()
        self._wake, self._stopping = asyncio.Event(), asyncio.Event()
        self._main = asyncio.create_task(self._run(), name=f"outbox-{self.instance_id}")
        if self._doorbell is not None:
            self._stop_listening = self._doorbell.listen(self.notify)
        log.info("outbox worker %s started", self.instance_id)

    async def stop(self) -> None:
        """Finish the calls under way; rows not started yet go back to the table."""
        if self._main is None:
            return
        if self._stop_listening is not None:
            self._stop_listening()
            self._stop_listening = None
        self._stopping.set()
        self._wake.set()
        await self._main
        while self._lane_tasks:
            await asyncio.gather(*self._lane_tasks)
        self._main = None
        log.info("outbox worker %s stopped", self.instance_id)

    def notify(self) -> None:
        """Look for due rows now; safe to call from any thread (the doorbell calls it)."""
        loop = self._loop
        if loop is not None and not loop.is_closed():
            loop.call_soon_threadsafe(self._wake.set)

    # -- claiming --------------------------------------------------------

    async def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            claimed_at = time.monotonic()
            room = self.config.capacity - self._held
            if room > 0:
                try:
                    claimed = await asyncio.to_thread(self._claim, room)
                except Exception:
                    log.exception("outbox worker %s could not claim rows", self.instance_id)
                    claimed = []
                for item in claimed:
                    self._dispatch(item)
                if len(claimed) == room:
                    continue  # more may be due; claim again once there is room
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.config.poll_interval):
                    await self._wake.wait()
            pause = claimed_at + self.config.claim_interval - time.monotonic()
            if pause > 0 and not self._stopping.is_set():
                await asyncio.sleep(pause)

    def _claim(self, limit: int) -> list[OutboxItem]:
        now, skip = self._clock(), self._pacer.blocked(time.monotonic(), self.config.hold)
        with self._engine.connect() as conn:
            if not outbox.any_due(conn, kinds=self._senders, now=now, skip_targets=skip):
                return []
        with self._engine.begin() as conn:
            return outbox.claim(
                conn,
                kinds=self._senders,
                now=now,
                lease=self.config.lease,
                limit=limit,
                skip_targets=skip,
            )

    def _dispatch(self, item: OutboxItem) -> None:
        start_by = time.monotonic() + self.config.lease.total_seconds() / 2
        self._held += 1
        lane = self._lanes.get(item.target)
        if lane is None:
            lane = self._lanes[item.target] = deque()
            task = asyncio.create_task(self._drain(item.target, lane))
            self._lane_tasks.add(task)
            task.add_done_callback(self._lane_tasks.discard)
        lane.append(_Claim(item, start_by))

    # -- one lane per target ---------------------------------------------------

    async def _drain(self, target: str, lane: deque[_Claim]) -> None:
        try:
            while lane:
                if self._stopping.is_set():
                    await self._hand_back(lane, lambda claim, _n: claim.item.next_attempt_at)
                    continue
                claim = lane[0]
                sender = self._senders[claim.item.kind]
                paced = sender.paced(claim.item)
                now = time.monotonic()
                at = (
                    self._pacer.ready_at(target, now)
                    if paced
                    else self._pacer.resumes_at(target, now)
                )
                if at - now > self.config.hold or at > claim.start_by:
                    await self._hand_back(lane, self._slot_times(at - now))
                    continue
                if at > now:
                    with contextlib.suppress(TimeoutError):
                        async with asyncio.timeout(at - now):
                            await self._stopping.wait()
                    continue  # look again: the worker may be stopping
                if paced:
                    self._pacer.take(target, now)
                outcome = await self._send(sender, claim.item)
                if isinstance(outcome, RateLimited):
                    log.info(
                        "outbox item %s: %s, pausing %s for %.1f s",
                        claim.item.id,
                        outcome.error,
                        target,
                        outcome.retry_after,
                    )
                    self._pacer.pause(target, time.monotonic() + outcome.retry_after)
                    continue
                lane.popleft()
                self._held -= 1
                await self._settle(sender, claim.item, outcome)
                self._wake_if_room()
        finally:
            if not lane and self._lanes.get(target) is lane:
                del self._lanes[target]

    def _slot_times(self, wait: float) -> Callable[[_Claim, int], datetime]:
        """Hand-back times that spread a paced-out backlog over its future turns."""
        base, interval = self._clock(), self._pacer.interval

        def slot(_claim: _Claim, position: int) -> datetime:
            return base + timedelta(seconds=wait + position * interval)

        return slot

    async def _hand_back(
        self, lane: deque[_Claim], when: Callable[[_Claim, int], datetime]
    ) -> None:
        """Return every row of ``lane`` to the table, untouched, to be claimed at ``when``."""
        moves = [(claim.item, when(claim, n)) for n, claim in enumerate(lane)]
        lane.clear()
        self._held -= len(moves)
        self._wake_if_room()
        try:
            await asyncio.to_thread(self._write, outbox.reschedule, moves)
        except Exception:  # the leases expire and the rows are claimed again
            log.exception(
                "outbox worker %s could not hand back %d rows", self.instance_id, len(moves)
            )

    def _wake_if_room(self) -> None:
        if self._held <= self.config.capacity // 2:
            self._wake.set()

    # -- sending and settling ---------------------------------------------------

    async def _send(self, sender: Sender, item: OutboxItem) -> Outcome:
        try:
            return await sender.send(item)
        except Exception as exc:  # a bug must not stop delivery of everything else
            log.exception("outbox item %s: sender failed", item.id)
            return Retry(f"unexpected {type(exc).__name__}")

    async def _settle(self, sender: Sender, item: OutboxItem, outcome: Outcome) -> None:
        try:
            await asyncio.to_thread(self._write, self._apply, sender, item, outcome)
        except Exception:  # the lease expires and the row is retried, checked for a copy first
            log.exception("outbox item %s: could not record the outcome", item.id)

    def _write(self, action: Callable[..., Any], *args: Any) -> Any:
        with self._engine.begin() as conn:
            return action(conn, *args)

    def _apply(self, conn: Connection, sender: Sender, item: OutboxItem, outcome: Outcome) -> None:
        now = self._clock()
        match outcome:
            case Delivered(result):
                if outbox.complete(conn, item, now=now, result=result):
                    sender.record(conn, item, result, now)
                    log.info("outbox item %s delivered to %s", item.id, item.target)
                    return
            case Retry(error):
                delay = self.config.retry.delay(item.attempts + 1, self._rng)
                retry_at = None if delay is None else now + timedelta(seconds=delay)
                if outbox.fail(conn, item, error=error, retry_at=retry_at):
                    self._log_failure(item, error, retry_at)
                    return
            case Permanent(error):
                if outbox.fail(conn, item, error=error, retry_at=None):
                    self._log_failure(item, error, None)
                    return
            case Waiting(until, reason):
                outbox.reschedule(conn, [(item, until)], note=reason)
                return
        log.warning("outbox item %s: claim lost to another instance; outcome dropped", item.id)

    def _log_failure(self, item: OutboxItem, error: str, retry_at: datetime | None) -> None:
        if retry_at is None:
            log.warning("outbox item %s to %s is dead: %s", item.id, item.target, error)
        else:
            log.info("outbox item %s failed (%s); retry at %s", item.id, error, retry_at)
