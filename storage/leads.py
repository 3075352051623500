"""Read leads: by id or email, for people asking in Slack (text, owner), and what cards show.

Every lead comes back as a typed ``LeadRow``. Text search scans the lead table
(a ``%text%`` match cannot use an index) but stops at the first page of
matches; erased leads never match by the personal data they no longer hold.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, Select, case, func, or_, select, update

from storage.enums import Stage
from storage.models import Activity, Lead, Transition
from storage.rows import LeadRow

_lead = Lead.__table__  # type: ignore[attr-defined]
_activity = Activity.__table__  # type: ignore[attr-defined]
_transition = Transition.__table__  # type: ignore[attr-defined]
#: bound parameters per IN list, well below every backend's limit
_CHUNK = 500


def _leads(conn: Connection, query: Select[Any]) -> list[LeadRow]:
    return [LeadRow.from_mapping(row) for row in conn.execute(query).mappings()]


def load_lead(conn: Connection, lead_id: int) -> LeadRow | None:
    row = conn.execute(select(_lead).where(_lead.c.id == lead_id)).mappings().first()
    return LeadRow.from_mapping(row) if row else None


def lock_lead(conn: Connection, lead_id: int) -> None:
    """Hold the lead until the transaction ends: a write that changes nothing.

    On PostgreSQL it takes the row's lock; on SQLite, where a transaction
    takes the database's write lock at its first write, it is that write.
    Whoever changes the lead (a decision, a pass, the offer sweep) then waits
    its turn instead of reading a state that is about to change.
    """
    conn.execute(update(_lead).where(_lead.c.id == lead_id).values(id=_lead.c.id))


def lead_by_email(conn: Connection, email: str) -> LeadRow | None:
    """The lead for a (normalised) email address."""
    query = select(_lead).where(_lead.c.email == email.strip().lower())
    row = conn.execute(query).mappings().first()
    return LeadRow.from_mapping(row) if row else None


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_leads(conn: Connection, text: str, *, limit: int) -> list[LeadRow]:
    """Leads whose email, name or company contains ``text`` (any case), newest first.

    Returns up to ``limit + 1`` rows so the caller can say there are more.
    """
    pattern = _contains(text.strip())
    full_name = func.coalesce(_lead.c.first_name, "") + " " + func.coalesce(_lead.c.last_name, "")
    query = (
        select(_lead)
        .where(
            or_(
                *(
                    column.ilike(pattern, escape="\\")
                    for column in (_lead.c.email, full_name, _lead.c.company)
                )
            )
        )
        .order_by(_lead.c.id.desc())
        .limit(limit + 1)
    )
    return _leads(conn, query)


def owned_leads(conn: Connection, owner_id: str, *, limit: int) -> list[LeadRow]:
    """A salesperson's open SQLs, oldest decision first."""
    query = (
        select(_lead)
        .where(_lead.c.owner_id == owner_id, _lead.c.stage == Stage.SQL.value)
        .order_by(_lead.c.decided_at, _lead.c.id)
        .limit(limit)
    )
    return _leads(conn, query)


def count_owned(conn: Connection, owner_id: str) -> int:
    query = select(func.count()).where(
        _lead.c.owner_id == owner_id, _lead.c.stage == Stage.SQL.value
    )
    return int(conn.execute(query).scalar_one())


def count_pending(conn: Connection) -> int:
    query = select(func.count()).where(_lead.c.stage == Stage.MQL.value)
    return int(conn.execute(query).scalar_one())


def stage_history(conn: Connection, lead_id: int) -> list[RowMapping]:
    """Every stage change of a lead, oldest first."""
    query = (
        select(_transition)
        .where(_transition.c.lead_id == lead_id)
        .order_by(_transition.c.at, _transition.c.id)
    )
    return list(conn.execute(query).mappings())


def leads_active_since(conn: Connection, since: datetime) -> list[LeadRow]:
    """Leads first seen, or with any activity, at or after ``since``."""
    recent = select(_activity.c.id).where(
        _activity.c.lead_id == _lead.c.id, _activity.c.occurred_at >= since
    )
    query = (
        select(_lead)
        .where(or_(_lead.c.first_seen_at >= since, recent.exists()))
        .order_by(_lead.c.id)
    )
    return _leads(conn, query)


def activities_of(conn: Connection, lead_id: int) -> list[RowMapping]:
    """One lead's activities, oldest first."""
    return activities_by_lead(conn, [lead_id])[lead_id]


def activities_by_lead(conn: Connection, lead_ids: Iterable[int]) -> dict[int, list[RowMapping]]:
    """Activities of many leads at once, grouped by lead, oldest first."""
    ids = list(lead_ids)
    grouped: dict[int, list[RowMapping]] = {lead_id: [] for lead_id in ids}
    for start in range(0, len(ids), _CHUNK):
        query = (
            select(
                _activity.c.lead_id,
                _activity.c.type,
                _activity.c.occurred_at,
                _activity.c.properties,
            )
            .where(_activity.c.lead_id.in_(ids[start : start + _CHUNK]))
            .order_by(_activity.c.lead_id, _activity.c.occurred_at, _activity.c.id)
        )
        for row in conn.execute(query).mappings():
            grouped[row["lead_id"]].append(row)
    return grouped


@dataclass(frozen=True)
class DecisionRow:
    """The move that took a lead out of the sales queue: who, why, when."""

    actor: str
    reason: str | None
    note: str | None
    at: datetime


def latest_decision(conn: Connection, lead: LeadRow) -> DecisionRow | None:
    """The last move out of ``mql`` since the lead's latest qualification, if any."""
    query = (
        select(_transition.c.actor, _transition.c.reason, _transition.c.note, _transition.c.at)
        .where(_transition.c.lead_id == lead.id, _transition.c.from_stage == Stage.MQL.value)
        .order_by(_transition.c.version.desc())
        .limit(1)
    )
    if lead.mql_at is not None:
        query = query.where(_transition.c.at >= lead.mql_at)
    row = conn.execute(query).first()
    return DecisionRow(row.actor, row.reason, row.note, row.at) if row else None


def latest_activities(conn: Connection, lead_id: int, *, limit: int) -> list[tuple[str, datetime]]:
    """The lead's ``limit`` newest activities as (type, time), newest first (index-only)."""
    query = (
        select(_activity.c.type, _activity.c.occurred_at)
        .where(_activity.c.lead_id == lead_id)
        .order_by(_activity.c.occurred_at.desc(), _activity.c.id.desc())
        .limit(limit)
    )
    return [(row.type, row.occurred_at) for row in conn.execute(query)]


def mqls_waiting_since(conn: Connection, since: datetime) -> list[LeadRow]:
    """Undecided MQLs that qualified at or before ``since``, oldest first."""
    query = (
        select(_lead)
        .where(_lead.c.stage == Stage.MQL.value, _lead.c.mql_at <= since)
        .order_by(_lead.c.mql_at)
    )
    return _leads(conn, query)


def last_activities(
    conn: Connection, lead_ids: Sequence[int]
) -> dict[int, tuple[datetime, datetime | None]]:
    """Per lead with activities: when it last did something, and when a lead source last
    reported it (imported activities carry no event)."""
    if not lead_ids:
        return {}
    live = case((_activity.c.event_id.is_not(None), _activity.c.occurred_at))
    query = (
        select(_activity.c.lead_id, func.max(_activity.c.occurred_at), func.max(live))
        .where(_activity.c.lead_id.in_(list(lead_ids)))
        .group_by(_activity.c.lead_id)
    )
    return {lead_id: (newest, newest_live) for lead_id, newest, newest_live in conn.execute(query)}
