"""Apply inbound lead events to the database, durably and fast.

``apply_event`` is the unit of work for one event: store the raw event
(idempotent on its id), upsert the lead, record the activity. ``EventWriter``
runs it on a single writer thread with *group commit*: whatever requests have
queued while the previous transaction committed are applied together and
committed once, each inside its own savepoint. A request is answered only
after the commit that holds its events, so a 2xx always means "durably
stored" while the cost of a commit is shared by every waiting request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.engine import Connection, Engine

from bot.lead_events import InboundEvent
from storage import event_store

log = logging.getLogger(__name__)

#: profile fields that keep their first value: attribution is first touch
FIRST_TOUCH_FIELDS = frozenset({"source", "campaign", "utm"})


@dataclass(frozen=True)
class IngestResult:
    external_id: str
    lead_id: int | None
    duplicate: bool
    warnings: tuple[str, ...] = ()


def merge_profile(lead: Mapping[str, Any], event: InboundEvent) -> dict[str, Any]:
    """The column changes an event's profile makes to a stored lead.

    The newest non-empty value wins, except for attribution fields, which keep
    the first source that brought the lead. A field a sender omits never
    blanks a stored value; attributes merge key by key.
    """
    changes: dict[str, Any] = {}
    for name, value in event.profile.fields.items():
        if name in FIRST_TOUCH_FIELDS and lead[name]:
            continue
        if lead[name] != value:
            changes[name] = value
    if event.profile.attributes:
        merged = {**lead["attributes"], **event.profile.attributes}
        if merged != lead["attributes"]:
            changes["attributes"] = merged
    return changes


def apply_event(
    conn: Connection, *, source: str, event: InboundEvent, now: datetime
) -> IngestResult:
    """Apply one event inside the caller's transaction."""
    event_id = event_store.insert_event(
        conn,
        source=source,
        external_id=event.external_id,
        type=event.type,
        received_at=now,
        payload=event.raw,
    )
    if event_id is None:
        lead_id = event_store.event_lead_id(conn, source=source, external_id=event.external_id)
        return IngestResult(event.external_id, lead_id, duplicate=True)
    lead = event_store.touch_lead(conn, email=event.profile.email, now=now)
    event_store.update_lead(conn, lead["id"], merge_profile(lead, event))
    if event.activity is not None:
        event_store.insert_activity(
            conn,
            lead_id=lead["id"],
            event_id=event_id,
            type=event.activity.type,
            occurred_at=event.occurred_at,
            properties=event.activity.properties,
        )
    event_store.link_event(conn, event_id, lead_id=lead["id"])
    return IngestResult(
        event.external_id, lead["id"], duplicate=False, warnings=tuple(event.profile.warnings)
    )


Applier = Callable[[Connection, str, InboundEvent, datetime], IngestResult]


def default_applier(
    conn: Connection, source: str, event: InboundEvent, now: datetime
) -> IngestResult:
    return apply_event(conn, source=source, event=event, now=now)


@dataclass
class _Submission:
    source: str
    events: list[InboundEvent]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[list[IngestResult]]
    results: list[IngestResult] = field(default_factory=list)


_STOP = object()


class WriterStopped(RuntimeError):
    """The writer is not running (shutting down); the caller should answer 503."""


class EventWriter:
    """The single writer thread that applies events with group commit."""

    def __init__(
        self,
        engine: Engine,
        *,
        applier: Applier = default_applier,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        max_batch_events: int = 512,
    ) -> None:
        self._engine = engine
        self._apply = applier
        self._clock = clock
        self._max_batch_events = max_batch_events
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="leadbot-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Finish what is queued, then stop: requests already accepted still commit."""
        if self._thread is None:
            return
        self._queue.put(_STOP)
        self._thread.join()
        self._thread = None

    async def submit(self, source: str, events: list[InboundEvent]) -> list[IngestResult]:
        """Queue ``events`` and wait until the transaction holding them has committed."""
        if self._thread is None:
            raise WriterStopped("the event writer is not running")
        loop = asyncio.get_running_loop()
        submission = _Submission(source, events, loop, loop.create_future())
        self._queue.put(submission)
        return await submission.future

    def _run(self) -> None:
        stopping = False
        while not stopping:
            first = self._queue.get()
            if first is _STOP:
                break
            batch, size = [first], len(first.events)
            while size < self._max_batch_events:
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
                if item is _STOP:
                    stopping = True
                    break
                batch.append(item)
                size += len(item.events)
            self._write(batch)

    def _write(self, batch: list[_Submission]) -> None:
        failed: dict[int, BaseException] = {}
        try:
            with self._engine.begin() as conn:
                for index, submission in enumerate(batch):
                    try:
                        with conn.begin_nested():
                            now = self._clock()
                            submission.results = [
                                self._apply(conn, submission.source, event, now)
                                for event in submission.events
                            ]
                    except Exception as exc:  # one bad submission must not sink the batch
                        log.exception(
                            "event application failed", extra={"source": submission.source}
                        )
                        failed[index] = exc
        except Exception as exc:  # the commit itself failed: nothing in the batch is stored
            log.exception("event batch commit failed")
            for submission in batch:
                _resolve(submission, error=exc)
            return
        for index, submission in enumerate(batch):
            _resolve(submission, error=failed.get(index))


def _resolve(submission: _Submission, *, error: BaseException | None) -> None:
    def settle() -> None:
        if submission.future.done():
            return
        if error is not None:
            submission.future.set_exception(error)
        else:
            submission.future.set_result(submission.results)

    # a closed loop means nobody is waiting for the answer any more
    with contextlib.suppress(RuntimeError):
        submission.loop.call_soon_threadsafe(settle)
