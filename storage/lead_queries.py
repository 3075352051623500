"""Read leads and their activities for scoring outside the ingest path (explain, what-if)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import Connection, RowMapping, or_, select

from storage.models import Activity, Lead

_lead = Lead.__table__
_activity = Activity.__table__
#: bound parameters per IN list, well below every backend's limit
_CHUNK = 500


def lead_by_email(conn: Connection, email: str) -> RowMapping | None:
    """The lead row for a (normalised) email address."""
    return (
        conn.execute(select(_lead).where(_lead.c.email == email.strip().lower())).mappings().first()
    )


def leads_active_since(conn: Connection, since: datetime) -> list[RowMapping]:
    """Leads first seen, or with any activity, at or after ``since``."""
    recent = select(_activity.c.id).where(
        _activity.c.lead_id == _lead.c.id, _activity.c.occurred_at >= since
    )
    query = (
        select(_lead)
        .where(or_(_lead.c.first_seen_at >= since, recent.exists()))
        .order_by(_lead.c.id)
    )
    return list(conn.execute(query).mappings())


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
