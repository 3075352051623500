"""The transactional outbox: work to send, written in the transaction that caused it.

Producers call ``enqueue``/``enqueue_slack`` on their own ``Connection`` so a
message exists exactly when the change that caused it was committed. The
delivery worker (``bot.delivery.worker``) claims due rows, and settles each claim
with ``complete``, ``fail`` or ``reschedule``.

A claim is fenced by the ``claimed_until`` it wrote: settling a row checks
that value, so an instance whose lease ran out (and whose work another
instance took over) cannot overwrite the newer claim.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from sqlalchemy import and_, bindparam, case, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

from storage.clock import utc_now
from storage.dialect import insert_for
from storage.enums import OutboxStatus
from storage.models import Outbox

OUTBOX = Outbox.__table__  # type: ignore[attr-defined]

#: ``Outbox.kind`` of Slack Web API calls
SLACK = "slack"

PENDING, IN_FLIGHT = OutboxStatus.PENDING.value, OutboxStatus.IN_FLIGHT.value
DONE, DEAD = OutboxStatus.DONE.value, OutboxStatus.DEAD.value

_ERROR_MAX = 2000


@dataclass(frozen=True)
class OutboxItem:
    """One row of the outbox, as claimed or listed."""

    id: int
    kind: str
    target: str
    payload: dict[str, Any]
    dedupe_key: str
    lead_id: int | None
    status: str
    #: calls that may have reached the receiver: the failed ones, which count toward
    #: dead-lettering, and the one that delivered (waits for pacing or 429 are not attempts)
    attempts: int
    next_attempt_at: datetime
    claimed_until: datetime | None
    last_error: str | None
    result: dict[str, Any]
    created_at: datetime

    @classmethod
    def from_row(cls, row: RowMapping) -> OutboxItem:
        return cls(**{name: row[name] for name in cls.__dataclass_fields__})


def enqueue(
    conn: Connection,
    *,
    kind: str,
    dedupe_key: str,
    target: str,
    payload: Mapping[str, Any],
    lead_id: int | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Add work to the outbox; ``False`` when ``dedupe_key`` is already there."""
    now = utc_now()
    row = {
        "kind": kind,
        "target": target,
        "payload": dict(payload),
        "dedupe_key": dedupe_key,
        "lead_id": lead_id,
        "status": PENDING,
        "attempts": 0,
        "next_attempt_at": max(now, not_before) if not_before else now,
        "result": {},
        "created_at": now,
    }
    queued = conn.execute(_enqueue_statement(conn.dialect.name), row).first() is not None
    if queued:
        conn.info[QUEUED] = True
    return queued


#: set in ``Connection.info`` by :func:`enqueue`; see :func:`took_queued`
QUEUED = "outbox_queued"


def took_queued(conn: Connection) -> bool:
    """Whether work was enqueued on ``conn`` since the last call (so a worker should look)."""
    return bool(conn.info.pop(QUEUED, False))


@cache
def _enqueue_statement(dialect: str) -> Any:
    """Built once per backend: statement construction costs more than the insert."""
    return (
        insert_for(dialect, OUTBOX)
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
        .returning(OUTBOX.c.id)
    )


def enqueue_slack(
    conn: Connection,
    *,
    dedupe_key: str,
    target: str,
    method: str,
    args: dict[str, Any],
    lead_id: int | None = None,
    purpose: str | None = None,
    thread_of: str | None = None,
    update_of: str | None = None,
    not_before: datetime | None = None,
) -> bool:
    """Queue one Slack Web API call.

    ``thread_of``/``update_of`` name an earlier ``chat.postMessage`` by its
    dedupe key; its ``ts`` is only known once it is delivered, so the worker
    fills it in then. ``purpose`` on a post records a ``SlackMessage``
    (``storage.slack_messages``) so the card can be found and updated later.
    """
    payload = {
        "method": method,
        "args": args,
        **{
            name: value
            for name, value in {
                "purpose": purpose,
                "thread_of": thread_of,
                "update_of": update_of,
            }.items()
            if value is not None
        },
    }
    return enqueue(
        conn,
        kind=SLACK,
        dedupe_key=dedupe_key,
        target=target,
        payload=payload,
        lead_id=lead_id,
        not_before=not_before,
    )


def claim(
    conn: Connection,
    *,
    kinds: Collection[str],
    now: datetime,
    lease: timedelta,
    limit: int,
    skip_targets: Collection[str] = (),
) -> list[OutboxItem]:
    """Take up to ``limit`` due rows for ``lease``, in (next attempt, id) order.

    Rows for ``skip_targets`` (channels this instance must not send to yet)
    stay in the table untouched.

    Due means pending and ready, or in flight with an expired lease: the
    instance that held it died, and whether its call reached the receiver is
    unknown, so taking it over counts an attempt. ``SKIP LOCKED`` lets several
    PostgreSQL instances claim side by side; SQLite's single writer makes the
    one statement atomic on its own.
    """
    statement = _claim_statement(tuple(sorted(kinds)))
    params = {"_now": now, "_until": now + lease, "_limit": limit, "_skip": list(skip_targets)}
    items = [OutboxItem.from_row(row) for row in conn.execute(statement, params).mappings()]
    return sorted(items, key=lambda item: (item.next_attempt_at, item.id))


def any_due(
    conn: Connection, *, kinds: Collection[str], now: datetime, skip_targets: Collection[str] = ()
) -> bool:
    """Whether ``claim`` would find a row; a read, so it never waits for or blocks a writer.

    Most wake-ups of a worker find nothing it may send yet (its channels are
    paced out); asking first keeps those from taking SQLite's write lock from
    under the ingest writer.
    """
    params = {"_now": now, "_skip": list(skip_targets)}
    return conn.execute(_any_due_statement(tuple(sorted(kinds))), params).first() is not None


def _due(kinds: tuple[str, ...]) -> Any:
    return select(OUTBOX.c.id).where(
        OUTBOX.c.kind.in_(kinds),
        OUTBOX.c.target.not_in(bindparam("_skip", expanding=True)),
        or_(
            and_(OUTBOX.c.status == PENDING, OUTBOX.c.next_attempt_at <= bindparam("_now")),
            and_(OUTBOX.c.status == IN_FLIGHT, OUTBOX.c.claimed_until <= bindparam("_now")),
        ),
    )


@cache
def _any_due_statement(kinds: tuple[str, ...]) -> Any:
    return _due(kinds).limit(1)


@cache
def _claim_statement(kinds: tuple[str, ...]) -> Any:
    due = (
        _due(kinds)
        .order_by(OUTBOX.c.next_attempt_at, OUTBOX.c.id)
        .limit(bindparam("_limit"))
        .with_for_update(skip_locked=True)
    )
    return (
        update(OUTBOX)
        .where(OUTBOX.c.id.in_(due.scalar_subquery()))
        .values(
            status=IN_FLIGHT,
            claimed_until=bindparam("_until"),
            attempts=case(
                (OUTBOX.c.status == IN_FLIGHT, OUTBOX.c.attempts + 1), else_=OUTBOX.c.attempts
            ),
        )
        .returning(*OUTBOX.c)
    )


def _settle(conn: Connection, item: OutboxItem, **values: Any) -> bool:
    params = {**values, "_id": item.id, "_claimed_until": item.claimed_until}
    return conn.execute(_settle_statement(tuple(sorted(values))), params).rowcount == 1


@cache
def _settle_statement(columns: tuple[str, ...]) -> Any:
    """UPDATE of a row this worker still holds the claim on, built once per column set."""
    return (
        update(OUTBOX)
        .where(
            OUTBOX.c.id == bindparam("_id"),
            OUTBOX.c.status == IN_FLIGHT,
            OUTBOX.c.claimed_until == bindparam("_claimed_until"),
        )
        .values({name: bindparam(name) for name in columns})
    )


def complete(
    conn: Connection, item: OutboxItem, *, now: datetime, result: Mapping[str, Any]
) -> bool:
    """Mark a claimed row delivered, counting the attempt; ``False`` if the claim was lost."""
    return _settle(
        conn,
        item,
        status=DONE,
        attempts=item.attempts + 1,
        result=dict(result),
        done_at=now,
        claimed_until=None,
        last_error=None,
    )


def fail(conn: Connection, item: OutboxItem, *, error: str, retry_at: datetime | None) -> bool:
    """Count a failed attempt: retry at ``retry_at``, or dead-letter when it is ``None``."""
    return _settle(
        conn,
        item,
        status=PENDING if retry_at else DEAD,
        attempts=item.attempts + 1,
        next_attempt_at=retry_at or item.next_attempt_at,
        claimed_until=None,
        last_error=error[:_ERROR_MAX],
    )


def reschedule(
    conn: Connection, moves: Sequence[tuple[OutboxItem, datetime]], *, note: str | None = None
) -> None:
    """Put claimed rows back for later without counting an attempt.

    For work that never reached the receiver: paced out, refused with 429,
    waiting for the message it refers to, or not started before shutdown.
    """
    if not moves:
        return
    statement = (
        update(OUTBOX)
        .where(
            OUTBOX.c.id == bindparam("item_id"),
            OUTBOX.c.status == IN_FLIGHT,
            OUTBOX.c.claimed_until == bindparam("fence"),
        )
        .values(
            status=PENDING,
            next_attempt_at=bindparam("at"),
            claimed_until=None,
            **({"last_error": note[:_ERROR_MAX]} if note else {}),
        )
    )
    conn.execute(
        statement,
        [{"item_id": item.id, "fence": item.claimed_until, "at": at} for item, at in moves],
    )


def items_of_lead(conn: Connection, lead_id: int, kind: str) -> list[OutboxItem]:
    """Every row of ``kind`` about a lead, oldest first."""
    rows = conn.execute(
        select(OUTBOX)
        .where(OUTBOX.c.lead_id == lead_id, OUTBOX.c.kind == kind)
        .order_by(OUTBOX.c.id)
    ).mappings()
    return [OutboxItem.from_row(row) for row in rows]


def items_with_prefix(
    conn: Connection, *, lead_id: int, kind: str, prefix: str
) -> list[OutboxItem]:
    """A lead's rows of ``kind`` whose dedupe key starts with ``prefix``, oldest first."""
    rows = conn.execute(
        select(OUTBOX)
        .where(
            OUTBOX.c.lead_id == lead_id,
            OUTBOX.c.kind == kind,
            OUTBOX.c.dedupe_key.startswith(prefix, autoescape=True),
        )
        .order_by(OUTBOX.c.id)
    ).mappings()
    return [OutboxItem.from_row(row) for row in rows]


def existing_keys(conn: Connection, keys: Sequence[str], *, chunk: int = 500) -> set[str]:
    """Which of ``keys`` are in the outbox already (whatever became of them)."""
    found: set[str] = set()
    for start in range(0, len(keys), chunk):
        part = keys[start : start + chunk]
        found.update(
            conn.execute(select(OUTBOX.c.dedupe_key).where(OUTBOX.c.dedupe_key.in_(part))).scalars()
        )
    return found


def supersede_pending(
    conn: Connection, *, lead_id: int, prefix: str, note: str, now: datetime
) -> int:
    """Settle a lead's unstarted rows under ``prefix`` unsent: a newer row replaces them.

    For messages where only the latest version matters (a card following its
    lead's score), so a burst of changes costs one Slack call, not one each.
    """
    return conn.execute(
        update(OUTBOX)
        .where(
            OUTBOX.c.lead_id == lead_id,
            OUTBOX.c.status == PENDING,
            OUTBOX.c.dedupe_key.startswith(prefix, autoescape=True),
        )
        .values(status=DONE, last_error=note[:_ERROR_MAX], done_at=now)
    ).rowcount


def cancel_pending(conn: Connection, lead_id: int, kind: str, *, reason: str) -> int:
    """Dead-letter a lead's rows of ``kind`` no worker has started: they are never sent."""
    return conn.execute(
        update(OUTBOX)
        .where(OUTBOX.c.lead_id == lead_id, OUTBOX.c.kind == kind, OUTBOX.c.status == PENDING)
        .values(status=DEAD, last_error=reason[:_ERROR_MAX])
    ).rowcount


def get_item(conn: Connection, item_id: int) -> OutboxItem | None:
    row = conn.execute(select(OUTBOX).where(OUTBOX.c.id == item_id)).mappings().first()
    return OutboxItem.from_row(row) if row else None


def find_item(conn: Connection, dedupe_key: str) -> OutboxItem | None:
    row = conn.execute(select(OUTBOX).where(OUTBOX.c.dedupe_key == dedupe_key)).mappings().first()
    return OutboxItem.from_row(row) if row else None


def list_items(conn: Connection, status: str | None = None, limit: int = 50) -> list[OutboxItem]:
    """The newest rows first, optionally of one status."""
    query = select(OUTBOX).order_by(OUTBOX.c.id.desc()).limit(limit)
    if status is not None:
        query = query.where(OUTBOX.c.status == status)
    return [OutboxItem.from_row(row) for row in conn.execute(query).mappings()]


def retry_item(conn: Connection, item_id: int) -> bool:
    """Give a dead row a fresh start now; ``False`` if there is no dead row ``item_id``."""
    statement = (
        update(OUTBOX)
        .where(OUTBOX.c.id == item_id, OUTBOX.c.status == DEAD)
        .values(status=PENDING, attempts=0, next_attempt_at=utc_now(), last_error=None)
    )
    return conn.execute(statement).rowcount == 1


def earlier_undelivered(conn: Connection, item: OutboxItem) -> tuple[int, datetime] | None:
    """The oldest undelivered row of the same kind, target and lead queued before ``item``.

    Senders that promise per-lead order hold ``item`` back while this exists.
    """
    if item.lead_id is None:
        return None
    query = (
        select(OUTBOX.c.id, OUTBOX.c.next_attempt_at)
        .where(
            OUTBOX.c.kind == item.kind,
            OUTBOX.c.target == item.target,
            OUTBOX.c.lead_id == item.lead_id,
            OUTBOX.c.id < item.id,
            OUTBOX.c.status.in_((PENDING, IN_FLIGHT)),
        )
        .order_by(OUTBOX.c.id)
        .limit(1)
    )
    row = conn.execute(query).first()
    return (row.id, row.next_attempt_at) if row else None
