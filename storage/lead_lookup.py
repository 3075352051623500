"""Find leads for people asking in Slack: by email, by name or text, by owner.

Text search scans the lead table (a ``%text%`` match cannot use an index) but
stops at the first page of matches; erased leads never match by the personal
data they no longer hold.
"""

from __future__ import annotations

from sqlalchemy import Connection, RowMapping, func, or_, select

from storage.models import Lead, Stage, Transition

_lead = Lead.__table__  # type: ignore[attr-defined]
_transition = Transition.__table__  # type: ignore[attr-defined]


def _contains(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_leads(conn: Connection, text: str, *, limit: int) -> list[RowMapping]:
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
    return list(conn.execute(query).mappings())


def owned_leads(conn: Connection, owner_id: str, *, limit: int) -> list[RowMapping]:
    """A salesperson's open SQLs, oldest decision first."""
    query = (
        select(_lead)
        .where(_lead.c.owner_id == owner_id, _lead.c.stage == Stage.SQL.value)
        .order_by(_lead.c.decided_at, _lead.c.id)
        .limit(limit)
    )
    return list(conn.execute(query).mappings())


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
