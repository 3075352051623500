"""Set-based statements of the ingest hot path: events, lead upserts, activities.

The writer applies a whole group-commit batch at once, so each statement here
takes every row of the batch: a handful of statements per batch instead of a
handful per event. SQLAlchemy Core (not ORM sessions) keeps the per-row cost
near the driver's.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import bindparam, select, tuple_, update
from sqlalchemy.engine import Connection, RowMapping

from storage.dialect import insert_for
from storage.models import Activity, Event, Lead

lead_table = Lead.__table__  # type: ignore[attr-defined]
event_table = Event.__table__  # type: ignore[attr-defined]
activity_table = Activity.__table__  # type: ignore[attr-defined]

#: lead columns an inbound profile may set
PROFILE_COLUMNS = (
    "first_name", "last_name", "company", "job_title", "country", "company_size", "industry",
    "phone", "website", "source", "campaign", "utm", "attributes",
)  # fmt: skip


#: lead columns a score writes
SCORE_COLUMNS = ("fit_score", "engagement_score", "score", "hot", "score_reasons", "scored_at")


@cache
def _update_statement(columns: tuple[str, ...]) -> Any:
    return (
        update(lead_table)
        .where(lead_table.c.id == bindparam("lead_id"))
        .values({name: bindparam(name) for name in columns})
    )


@cache
def _dialect_statements(dialect: str) -> dict[str, Any]:
    """Statements built once per backend: building them costs more than running them."""
    upsert = insert_for(dialect, lead_table)
    return {
        "upsert_leads": upsert.on_conflict_do_update(
            index_elements=["email"], set_={"email": upsert.excluded.email}
        ).returning(*(c for c in lead_table.c if c.name != "score_reasons")),
        "insert_events": insert_for(dialect, event_table)
        .on_conflict_do_nothing(index_elements=["source", "external_id"])
        .returning(event_table.c.source, event_table.c.external_id, event_table.c.id),
    }


def _statement(conn: Connection, name: str) -> Any:
    return _dialect_statements(conn.dialect.name)[name]


def upsert_leads(conn: Connection, emails: Sequence[str], now: datetime) -> dict[str, RowMapping]:
    """The lead row for each email (without ``score_reasons``), creating the missing ones.

    The no-op ``DO UPDATE`` (rather than ``DO NOTHING``) makes RETURNING give
    existing rows too, and on PostgreSQL takes their row locks, so two
    instances updating one lead serialise instead of losing changes.
    """
    if not emails:
        return {}
    stmt = _statement(conn, "upsert_leads")
    rows = [
        {"email": email, "first_seen_at": now, "updated_at": now, "utm": {}, "attributes": {},
         "score_reasons": [], "stage": "new", "version": 1}
        for email in emails
    ]  # fmt: skip
    return {row["email"]: row for row in conn.execute(stmt, rows).mappings()}


def insert_events(
    conn: Connection, rows: Sequence[Mapping[str, Any]]
) -> dict[tuple[str, str], int]:
    """Store raw events; returns the ids of those not seen before, by (source, external_id)."""
    if not rows:
        return {}
    stmt = _statement(conn, "insert_events")
    return {(r.source, r.external_id): r.id for r in conn.execute(stmt, list(rows))}


def set_event_leads(conn: Connection, lead_ids: Mapping[int, int]) -> None:
    """Record which lead each stored event touched (``{event id: lead id}``)."""
    if lead_ids:
        conn.execute(
            update(event_table)
            .where(event_table.c.id == bindparam("event_id"))
            .values(lead_id=bindparam("new_lead_id")),
            [{"event_id": e, "new_lead_id": lead} for e, lead in lead_ids.items()],
        )


def event_lead_ids(
    conn: Connection, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int | None]:
    """The leads earlier deliveries of these events touched (to answer a duplicate)."""
    keys = list(keys)
    if not keys:
        return {}
    stmt = select(event_table.c.source, event_table.c.external_id, event_table.c.lead_id).where(
        tuple_(event_table.c.source, event_table.c.external_id).in_(keys)
    )
    return {(r.source, r.external_id): r.lead_id for r in conn.execute(stmt)}


def insert_activities(conn: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
    if rows:
        conn.execute(activity_table.insert(), list(rows))


def update_leads(
    conn: Connection, columns: Sequence[str], rows: Sequence[Mapping[str, Any]]
) -> None:
    """Set ``columns`` on each lead in ``rows`` (each row: ``lead_id`` plus those columns)."""
    if rows:
        conn.execute(_update_statement(tuple(columns)), list(rows))


def activities_for(conn: Connection, lead_ids: Iterable[int]) -> dict[int, list[RowMapping]]:
    """Every activity of these leads, oldest first, grouped by lead."""
    lead_ids = list(lead_ids)
    grouped: dict[int, list[RowMapping]] = {lead_id: [] for lead_id in lead_ids}
    if not lead_ids:
        return grouped
    for row in conn.execute(_ACTIVITIES_FOR, {"ids": lead_ids}).mappings():
        grouped[row["lead_id"]].append(row)
    return grouped


_ACTIVITIES_FOR = (
    select(activity_table.c.lead_id, activity_table.c.type, activity_table.c.occurred_at,
           activity_table.c.properties)
    .where(activity_table.c.lead_id.in_(bindparam("ids", expanding=True)))
    .order_by(activity_table.c.lead_id, activity_table.c.occurred_at, activity_table.c.id)
)  # fmt: skip


def leads_by_email(conn: Connection, emails: Iterable[str]) -> dict[str, RowMapping]:
    """Existing leads only (an outcome must not create a lead), locked in email order."""
    emails = sorted(emails)
    if not emails:
        return {}
    stmt = (
        select(lead_table)
        .where(lead_table.c.email.in_(emails))
        .order_by(lead_table.c.email)
        .with_for_update()
    )
    rows = conn.execute(stmt).mappings()
    return {row["email"]: row for row in rows}


def leads_page(
    conn: Connection, *, stages: Sequence[str], after_id: int, limit: int
) -> Sequence[RowMapping]:
    """The next page of leads in ``stages`` by id, for sweeps over the whole table."""
    stmt = (
        select(lead_table)
        .where(lead_table.c.stage.in_(stages), lead_table.c.id > after_id)
        .order_by(lead_table.c.id)
        .limit(limit)
    )
    return conn.execute(stmt).mappings().all()


def refuse_event(conn: Connection, event_id: int, error: str) -> None:
    """Mark a stored event as refused: it stays for audit but took no effect."""
    conn.execute(
        update(event_table)
        .where(event_table.c.id == event_id)
        .values(status="refused", error=error[:1000])
    )
