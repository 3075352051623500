"""Kept score states, and the bounded reads of a lead's activities that scoring asks for.

A state row (``score_state``) belongs to one lead and one fingerprint of the
engagement and hot rules. Ingest holds the lead's row lock (PostgreSQL) or
the database's write lock (SQLite) while it reads and rewrites the state, so
it always builds on the latest one. Sweeps write a lead's score and state
only if no event scored the lead since they read it (:func:`save_swept`),
and a state alone only over the revision they read (:func:`save_if_unchanged`).
Whatever changes a lead's activities outside ingest calls :func:`forget_states`.

Times are microseconds since the epoch, as ``bot.core.score_state`` keeps them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

import orjson
from sqlalchemy import and_, bindparam, delete, func, or_, select, update
from sqlalchemy.engine import Connection, RowMapping

from storage.dialect import insert_for
from storage.models import Activity, Lead, LeadScoreState

state_table = LeadScoreState.__table__  # type: ignore[attr-defined]
activity_table = Activity.__table__  # type: ignore[attr-defined]
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: bound parameters per IN list, well below every backend's limit
_CHUNK = 500


def moment(micros: int) -> datetime:
    return _EPOCH + timedelta(microseconds=micros)


@dataclass(frozen=True, slots=True)
class StoredState:
    revision: int
    #: the decoded state, or None when it was built under other rules than asked for
    state: Any


_LOAD = select(
    state_table.c.lead_id, state_table.c.rules, state_table.c.state, state_table.c.revision
).where(state_table.c.lead_id.in_(bindparam("ids", expanding=True)))


def load_states(conn: Connection, lead_ids: Iterable[int], rules: str) -> dict[int, StoredState]:
    """The stored state of each of these leads that has one."""
    ids = list(lead_ids)
    found: dict[int, StoredState] = {}
    for start in range(0, len(ids), _CHUNK):
        for row in conn.execute(_LOAD, {"ids": ids[start : start + _CHUNK]}):
            state = orjson.loads(row.state) if row.rules == rules else None
            found[row.lead_id] = StoredState(row.revision, state)
    return found


@cache
def _upsert(dialect: str) -> Any:
    stmt = insert_for(dialect, state_table)
    return stmt.on_conflict_do_update(
        index_elements=["lead_id"],
        set_={
            "rules": stmt.excluded.rules,
            "state": stmt.excluded.state,
            "revision": state_table.c.revision + 1,
        },
    )


def save_states(conn: Connection, states: Mapping[int, Any], rules: str) -> None:
    """Write the states of leads this transaction holds (ingest), whatever was there."""
    if states:
        rows = [
            {"lead_id": lead_id, "rules": rules, "state": orjson.dumps(state).decode(),
             "revision": 1}
            for lead_id, state in states.items()
        ]  # fmt: skip
        conn.execute(_upsert(conn.dialect.name), rows)


def save_if_unchanged(
    conn: Connection, lead_id: int, revision: int | None, state: Any, rules: str
) -> bool:
    """Write a state only over the revision read (None: only where there was none)."""
    text = orjson.dumps(state).decode()
    if revision is None:
        stmt = (
            insert_for(conn, state_table)
            .on_conflict_do_nothing(index_elements=["lead_id"])
            .returning(state_table.c.lead_id)
        )
        values = {"lead_id": lead_id, "rules": rules, "state": text, "revision": 1}
        return conn.execute(stmt, values).first() is not None
    values = {"id": lead_id, "read": revision, "rules": rules, "state": text}
    return conn.execute(_GUARDED_UPDATE, values).rowcount == 1


_GUARDED_UPDATE = (
    update(state_table)
    .where(state_table.c.lead_id == bindparam("id"), state_table.c.revision == bindparam("read"))
    .values(rules=bindparam("rules"), state=bindparam("state"), revision=bindparam("read") + 1)
)


def save_swept(
    conn: Connection,
    lead_id: int,
    scored_at: datetime | None,
    columns: Mapping[str, Any],
    revision: int | None,
    state: Any,
    rules: str,
) -> bool:
    """A sweep's score and state, written only if the lead was not scored since ``scored_at``.

    The lead's row is updated first, then its state: the order ingest locks
    them in, so a sweep and an event on one lead (PostgreSQL) never deadlock.
    """
    lead = Lead.__table__  # type: ignore[attr-defined]
    stmt = (
        update(lead)
        .where(lead.c.id == lead_id, lead.c.scored_at.is_not_distinct_from(scored_at))
        .values(dict(columns))
    )
    if conn.execute(stmt).rowcount != 1:
        return False
    save_if_unchanged(conn, lead_id, revision, state, rules)
    return True


def forget_states(conn: Connection, lead_ids: Iterable[int]) -> None:
    """Drop the states of leads whose activities changed outside ingest."""
    ids = list(lead_ids)
    for start in range(0, len(ids), _CHUNK):
        conn.execute(
            delete(state_table).where(state_table.c.lead_id.in_(ids[start : start + _CHUNK]))
        )


_COLUMNS = (
    activity_table.c.id,
    activity_table.c.event_id,
    activity_table.c.type,
    activity_table.c.occurred_at,
    activity_table.c.properties,
)


def activities_between(
    conn: Connection, lead_id: int, start: int, end: int, kind: str | None
) -> Sequence[RowMapping]:
    """A lead's activities dated in [start, end), of ``kind`` (any when None)."""
    where = [
        activity_table.c.lead_id == lead_id,
        activity_table.c.occurred_at >= moment(start),
        activity_table.c.occurred_at < moment(end),
    ]
    if kind is not None:
        where.append(activity_table.c.type == kind)
    return conn.execute(select(*_COLUMNS).where(and_(*where))).mappings().all()


def neighbour(
    conn: Connection, lead_id: int, at: int, kind: str | None, *, after: bool
) -> datetime | None:
    """The time of the first activity dated at or after ``at`` (``after``), or the last before."""
    column = activity_table.c.occurred_at
    where = [
        activity_table.c.lead_id == lead_id,
        column >= moment(at) if after else column < moment(at),
    ]
    if kind is not None:
        where.append(activity_table.c.type == kind)
    value: datetime | None = conn.execute(
        select(func.min(column) if after else func.max(column)).where(and_(*where))
    ).scalar()
    return value


def activities_of_type(conn: Connection, lead_id: int, kind: str) -> Sequence[RowMapping]:
    """Every activity of one type of a lead, by time then id (the order scoring sums in)."""
    stmt = (
        select(*_COLUMNS)
        .where(activity_table.c.lead_id == lead_id, activity_table.c.type == kind)
        .order_by(activity_table.c.occurred_at, activity_table.c.id)
    )
    return conn.execute(stmt).mappings().all()


def leads_without_state(
    conn: Connection, rules: str, *, after_id: int, limit: int
) -> Sequence[RowMapping]:
    """The next page of leads (by id) with no state built under ``rules``."""
    lead = Lead.__table__  # type: ignore[attr-defined]
    joined = lead.outerjoin(state_table, state_table.c.lead_id == lead.c.id)
    stmt = (
        select(lead)
        .select_from(joined)
        .where(
            or_(state_table.c.lead_id.is_(None), state_table.c.rules != rules),
            lead.c.id > after_id,
        )
        .order_by(lead.c.id)
        .limit(limit)
    )
    return conn.execute(stmt).mappings().all()
