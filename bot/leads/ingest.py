"""Apply inbound lead events to the database, durably and fast.

``apply_batch`` is the unit of work: store the raw events (idempotent on their
ids), upsert their leads, record activities and merge profiles — set-based,
a few statements for the whole batch. An event from a lead source that names
no email finds its lead through the source's own id for the person (an
alias, such as a Segment user id, recorded when an earlier event, or another
in the same batch, named both); one that finds none is stored for
audit only, as ``unmapped``. ``EventWriter`` runs it on a single
writer thread with *group commit*: whatever requests queued up while the
previous transaction committed are applied together and committed once. A
request is answered only after the commit that holds its events, so a 2xx
always means "durably stored", while the cost of a transaction is shared by
every waiting request. If a batch fails, each request in it is retried in a
transaction of its own, so one bad request cannot sink its neighbours.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import random
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection
from sqlalchemy.exc import DBAPIError

from bot.core.lifecycle import Actor, ActorKind, IllegalTransition, NotAllowed, plan_transition
from bot.leads.events import InboundEvent, OutcomeIn
from bot.leads.kept_scores import score_touched
from bot.leads.qualify import Qualifier, change_stage, score_changed
from bot.leads.unit_of_work import UnitOfWork, Work
from storage import aliases, event_store
from storage.db import failure_summary, is_conflict_abort
from storage.event_store import PROFILE_COLUMNS, SCORE_COLUMNS
from storage.rows import LeadRow
from storage.transitions import StaleLead

log = logging.getLogger(__name__)

#: profile fields that keep their first value: attribution is first touch
FIRST_TOUCH_FIELDS = frozenset({"source", "campaign", "utm"})


@dataclass(frozen=True)
class Refusal:
    """Why a stored event could not take effect (kept on the event for audit)."""

    status: int
    code: str
    message: str


@dataclass(frozen=True)
class IngestResult:
    external_id: str
    lead_id: int | None
    duplicate: bool
    warnings: tuple[str, ...] = ()
    refused: Refusal | None = None


def merge_profile(profile: Mapping[str, Any], event: InboundEvent) -> dict[str, Any]:
    """The lead's profile columns after ``event``.

    The newest non-empty value wins, except for attribution fields, which keep
    the first source that brought the lead. A field a sender omits never
    blanks a stored value; attributes merge key by key.
    """
    merged = dict(profile)
    for name, value in event.profile.fields.items():
        if name in FIRST_TOUCH_FIELDS and merged[name]:
            continue
        merged[name] = value
    if event.profile.attributes:
        merged["attributes"] = {**merged["attributes"], **event.profile.attributes}
    return merged


class Batch:
    """One group-commit batch being applied: the leads it touches and what it stored."""

    def __init__(
        self, work: Work, items: Sequence[tuple[str, InboundEvent]], now: datetime
    ) -> None:
        self.work, self.conn, self.now = work, work.conn, now
        # sorted: every instance locks lead rows in one global order, so none deadlock;
        # an event with no email (a lead source named none, no alias found) makes no lead
        creators = sorted({e.profile.email for _, e in items if e.outcome is None} - {""})
        self.leads: dict[str, Mapping[Any, Any]] = dict(
            event_store.upsert_leads(self.conn, creators, now)
        )
        outcome_only = {e.profile.email for _, e in items if e.outcome is not None} - set(
            self.leads
        )
        self.leads.update(event_store.leads_by_email(self.conn, outcome_only))

    def lead_id(self, event: InboundEvent) -> int | None:
        lead = self.leads.get(event.profile.email)
        return lead["id"] if lead is not None else None


def apply_batch(
    work: Work,
    items: Sequence[tuple[str, InboundEvent]],
    now: datetime,
    qualifier: Qualifier,
) -> list[IngestResult]:
    """Apply ``(source, event)`` pairs inside the caller's transaction, in order.

    The event ids are claimed first: the first copy of an id in the batch is
    the one stored, and a later copy, or an id stored by an earlier delivery,
    is a duplicate that creates nothing, not even its lead. Leads the batch
    changed are re-scored once, after all their new activities, and moved to
    the stage their score implies. Outcomes then move SQLs to won or lost.
    """
    conn = work.conn
    items = _resolve_aliases(conn, items)
    first: dict[tuple[str, str], int] = {}
    for index, (source, event) in enumerate(items):
        first.setdefault((source, event.external_id), index)
    stored = event_store.insert_events(
        conn, [_event_row(items[first[key]], now) for key in sorted(first)]
    )
    fresh = [index for key, index in first.items() if key in stored]
    batch = Batch(work, [items[i] for i in fresh], now)
    event_leads = {key: batch.lead_id(items[first[key]][1]) for key in stored}
    event_store.set_event_leads(
        conn, {stored[key]: lead for key, lead in event_leads.items() if lead is not None}
    )
    event_leads.update(event_store.event_lead_ids(conn, first.keys() - stored.keys()))
    activities = [row for i in fresh if (row := _activity_row(items[i], batch, stored)) is not None]
    event_store.insert_activities(conn, activities)
    fresh_events = [items[i][1] for i in fresh]
    touched = [e for e in fresh_events if e.profile.email in batch.leads]
    _update_leads(batch, touched, activities, qualifier)
    refusals = {
        i: refusal
        for i in fresh
        if items[i][1].outcome is not None
        and (refusal := _apply_outcome(batch, items[i], stored, qualifier)) is not None
    }

    aliases.record(conn, _alias_links(batch, [items[i] for i in fresh]), now)

    fresh_set = set(fresh)
    results = []
    for index, (source, event) in enumerate(items):
        if index in fresh_set:
            warnings = tuple(event.profile.warnings)
            if (unmapped := _unmapped(event)) is not None:
                refusals[index] = Refusal(202, "unmapped", unmapped)
            result = IngestResult(
                event.external_id, batch.lead_id(event), False, warnings, refusals.get(index)
            )
            results.append(result)
        else:
            lead_id = event_leads.get((source, event.external_id))
            results.append(IngestResult(event.external_id, lead_id, duplicate=True))
    return results


def _resolve_aliases(
    conn: Connection, items: Sequence[tuple[str, InboundEvent]]
) -> Sequence[tuple[str, InboundEvent]]:
    """Give each event without an email the email of the lead one of its aliases names.

    An alias named with an email in this batch counts before one stored
    earlier (it is newer), whatever the order within the batch: the two
    events of one burst may arrive the other way round.
    """
    if all(event.profile.email or not event.aliases for _, event in items):
        return items
    named = {
        (source, alias): event.profile.email
        for source, event in items
        if event.profile.email
        for alias in event.aliases
    }
    wanted = {
        (source, alias)
        for source, event in items
        if not event.profile.email
        for alias in event.aliases
    }
    known = {**aliases.emails_for(conn, wanted - named.keys()), **named}
    resolved = []
    for source, event in items:
        email = next((known[k] for a in event.aliases if (k := (source, a)) in known), None)
        if not event.profile.email and email is not None:
            event = replace(event, profile=replace(event.profile, email=email))
        resolved.append((source, event))
    return resolved


def _alias_links(
    batch: Batch, items: Sequence[tuple[str, InboundEvent]]
) -> dict[tuple[str, str], int]:
    """(source, alias) → lead for the new events that name both; the latest in the batch wins."""
    return {
        (source, alias): lead_id
        for source, event in items
        if event.aliases and (lead_id := batch.lead_id(event)) is not None
        for alias in event.aliases
    }


def _unmapped(event: InboundEvent) -> str | None:
    """Why an event reaches no lead, or None when it does."""
    if event.profile.email:
        return None
    if event.aliases:
        return f"no email, and no lead is known by {', '.join(event.aliases)} yet"
    return "no email to identify the lead by"


def _update_leads(
    batch: Batch,
    events: Sequence[InboundEvent],
    activities: Sequence[Mapping[str, Any]],
    qualifier: Qualifier,
) -> None:
    """Merge profiles, re-score and requalify every lead these events touched.

    Scores come from each lead's kept state and the batch's new ``activities``:
    nothing here reads a lead's whole history.
    """
    profiles: dict[str, dict[str, Any]] = {}
    for event in events:
        email = event.profile.email
        current = profiles.get(email) or {c: batch.leads[email][c] for c in PROFILE_COLUMNS}
        profiles[email] = merge_profile(current, event)
    if not profiles:
        return
    ids = {email: batch.leads[email]["id"] for email in profiles}
    fresh: dict[int, list[Mapping[str, Any]]] = {}
    for row in activities:
        fresh.setdefault(row["lead_id"], []).append(row)
    merged = {ids[email]: {**batch.leads[email], **profile} for email, profile in profiles.items()}
    kept = score_touched(batch.conn, qualifier.rules, merged, fresh, batch.now)
    changed_profiles, scores, rescored_leads = [], [], {}
    for email, profile in profiles.items():
        stored = batch.leads[email]
        if any(stored[c] != profile[c] for c in PROFILE_COLUMNS):
            changed_profiles.append({"lead_id": ids[email], "updated_at": batch.now, **profile})
        result = qualifier.rescored(kept[ids[email]], batch.now)
        scores.append({"lead_id": ids[email], **result.columns})
        rescored_leads[email] = ({**stored, **profile, **result.columns}, result.score)
    event_store.update_leads(batch.conn, (*PROFILE_COLUMNS, "updated_at"), changed_profiles)
    event_store.update_leads(batch.conn, SCORE_COLUMNS, scores)
    for email, (lead, score) in rescored_leads.items():
        moved = qualifier.requalify(batch.work, lead, score, batch.now)
        if moved is None:
            score_changed(batch.work, batch.leads[email], lead, batch.now)
        batch.leads[email] = moved.as_dict() if moved is not None else lead


def _apply_outcome(
    batch: Batch,
    item: tuple[str, InboundEvent],
    stored: Mapping[tuple[str, str], int],
    qualifier: Qualifier,
) -> Refusal | None:
    """Move an SQL to won or lost; a refusal (kept on the stored event for audit) otherwise."""
    source, event = item
    outcome = event.outcome
    assert outcome is not None
    event_id = stored[(source, event.external_id)]
    lead = batch.leads.get(event.profile.email)
    if lead is None:
        refusal = Refusal(422, "unknown_lead", "no lead with this email; send its profile first")
    else:
        try:
            actor = Actor(ActorKind.SOURCE, source)
            plan = plan_transition(
                lead["stage"], outcome.result, actor, outcome.reason, now=batch.now
            )
            plan = replace(plan, lead_changes={**plan.lead_changes, **_deal_columns(outcome)})
            moved = change_stage(batch.work, LeadRow.from_mapping(lead), plan)
            batch.leads[event.profile.email] = moved.as_dict()
            return None
        except (IllegalTransition, NotAllowed, StaleLead) as exc:
            refusal = Refusal(409, "illegal_transition", str(exc))
    event_store.refuse_event(batch.conn, event_id, refusal.message)
    return refusal


def _deal_columns(outcome: OutcomeIn) -> dict[str, Any]:
    columns: dict[str, Any] = {}
    if outcome.closed_at is not None:
        columns["closed_at"] = outcome.closed_at
    if outcome.result == "won":
        columns.update(deal_amount=outcome.amount, deal_currency=outcome.currency)
    return columns


def _event_row(item: tuple[str, InboundEvent], now: datetime) -> dict[str, Any]:
    source, event = item
    unmapped = _unmapped(event)
    return {
        "source": source,
        "external_id": event.external_id,
        "type": event.type,
        "received_at": now,
        "payload": event.raw,
        "status": "accepted" if unmapped is None else "unmapped",
        "error": None
        if unmapped is None
        else "; ".join([unmapped, *event.profile.warnings])[:1000],
        "lead_id": None,
    }


def _activity_row(
    item: tuple[str, InboundEvent], batch: Batch, stored: Mapping[tuple[str, str], int]
) -> dict[str, Any] | None:
    source, event = item
    lead_id = batch.lead_id(event)
    if event.activity is None or lead_id is None:
        return None
    return {
        "lead_id": lead_id,
        "event_id": stored[(source, event.external_id)],
        "type": event.activity.type,
        "occurred_at": event.occurred_at,
        "properties": dict(event.activity.properties),
    }


@dataclass
class _Submission:
    source: str
    events: list[InboundEvent]
    loop: asyncio.AbstractEventLoop
    future: asyncio.Future[list[IngestResult]]
    results: list[IngestResult] = field(default_factory=list)


_STOP = object()
#: how often a transaction aborted by a conflict with another instance is tried in all
CONFLICT_ATTEMPTS = 5
#: upper bound of the random pause before the n-th retry, times n (seconds)
CONFLICT_BACKOFF = 0.02


class WriterStopped(RuntimeError):
    """The writer is not running (shutting down); the caller should answer 503."""


class EventWriter:
    """The single writer thread that applies events with group commit."""

    def __init__(
        self,
        work: UnitOfWork,
        qualifier: Qualifier,
        *,
        clock: Callable[[], datetime],
        max_batch_events: int = 512,
    ) -> None:
        """Each batch is one transaction of ``work``: effects run in it, delivery wakes after."""
        self._work = work
        self._qualifier = qualifier
        self._clock = clock
        self._max_batch_events = max_batch_events
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        #: CPU time the writer thread spent applying batches (how near saturation it runs)
        self.cpu_seconds = 0.0

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
            started = time.thread_time()
            self._write(batch)
            self.cpu_seconds += time.thread_time() - started

    def _write(self, batch: list[_Submission]) -> None:
        items = [(submission.source, event) for submission in batch for event in submission.events]
        try:
            results = self._apply(items)
        except Exception as exc:
            if len(batch) > 1:
                for submission in batch:  # isolate the culprit; the others still commit
                    self._write([submission])
                return
            # ids only: the exception's text may quote the rows, names and emails included
            event_ids = [e.external_id for e in batch[0].events][:20]
            log.error(
                "event batch failed: %s",
                failure_summary(exc),
                extra={"source": batch[0].source, "event_ids": event_ids},
            )
            log.debug("event batch failure", exc_info=exc)
            _resolve(batch[0], error=exc)
            return
        offset = 0
        for submission in batch:
            submission.results = results[offset : offset + len(submission.events)]
            offset += len(submission.events)
            _resolve(submission, error=None)

    def _apply(self, items: list[tuple[str, InboundEvent]]) -> list[IngestResult]:
        """One transaction for ``items``, run again when PostgreSQL aborts it for a conflict
        with another instance (a deadlock or serialization failure), a few times at most."""
        attempt = 1
        while True:
            try:
                with self._work.begin() as work:
                    return apply_batch(work, items, self._clock(), self._qualifier)
            except DBAPIError as exc:
                if attempt == CONFLICT_ATTEMPTS or not is_conflict_abort(exc):
                    raise
                log.warning("event batch retried after %s", failure_summary(exc))
                time.sleep(random.uniform(0, CONFLICT_BACKOFF * attempt))
                attempt += 1


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
