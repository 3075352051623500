"""Core statements of the ingest hot path: events, lead upserts, activities.

SQLAlchemy Core rather than ORM sessions: the writer applies hundreds of events
per transaction and ORM unit-of-work bookkeeping would cost more than the SQL.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.engine import Connection, RowMapping

from storage.dialect import insert_for
from storage.models import Activity, Event, Lead

lead_table = Lead.__table__  # type: ignore[attr-defined]
event_table = Event.__table__  # type: ignore[attr-defined]
activity_table = Activity.__table__  # type: ignore[attr-defined]


def insert_event(
    conn: Connection,
    *,
    source: str,
    external_id: str,
    type: str,
    received_at: datetime,
    payload: Mapping[str, Any],
) -> int | None:
    """Store a raw event; ``None`` when (source, external_id) was seen before."""
    stmt = (
        insert_for(conn, event_table)
        .values(
            source=source,
            external_id=external_id,
            type=type,
            received_at=received_at,
            payload=payload,
            status="accepted",
        )
        .on_conflict_do_nothing(index_elements=["source", "external_id"])
        .returning(event_table.c.id)
    )
    return conn.execute(stmt).scalar_one_or_none()


def event_lead_id(conn: Connection, *, source: str, external_id: str) -> int | None:
    stmt = select(event_table.c.lead_id).where(
        event_table.c.source == source, event_table.c.external_id == external_id
    )
    return conn.execute(stmt).scalar_one_or_none()


def link_event(
    conn: Connection,
    event_id: int,
    *,
    lead_id: int,
    status: str = "accepted",
    error: str | None = None,
) -> None:
    conn.execute(
        update(event_table)
        .where(event_table.c.id == event_id)
        .values(lead_id=lead_id, status=status, error=error)
    )


def touch_lead(conn: Connection, *, email: str, now: datetime) -> RowMapping:
    """The lead row for ``email``, created when missing.

    The upsert also takes the row lock on PostgreSQL, so two instances
    updating one lead serialise instead of losing each other's changes.
    """
    stmt = (
        insert_for(conn, lead_table)
        .values(
            email=email,
            first_seen_at=now,
            updated_at=now,
            utm={},
            attributes={},
            score_reasons=[],
            stage="new",
            version=1,
        )
        .on_conflict_do_update(index_elements=["email"], set_={"updated_at": now})
        .returning(*lead_table.c)
    )
    return conn.execute(stmt).mappings().one()


def update_lead(conn: Connection, lead_id: int, values: Mapping[str, Any]) -> None:
    if values:
        conn.execute(update(lead_table).where(lead_table.c.id == lead_id).values(**values))


def insert_activity(
    conn: Connection,
    *,
    lead_id: int,
    event_id: int | None,
    type: str,
    occurred_at: datetime,
    properties: Mapping[str, Any],
) -> None:
    conn.execute(
        activity_table.insert().values(
            lead_id=lead_id,
            event_id=event_id,
            type=type,
            occurred_at=occurred_at,
            properties=dict(properties),
        )
    )


def lead_activities(conn: Connection, lead_id: int) -> Sequence[RowMapping]:
    stmt = (
        select(activity_table.c.type, activity_table.c.occurred_at, activity_table.c.properties)
        .where(activity_table.c.lead_id == lead_id)
        .order_by(activity_table.c.occurred_at, activity_table.c.id)
    )
    return conn.execute(stmt).mappings().all()
