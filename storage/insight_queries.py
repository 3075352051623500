"""The leads rules insights learn from: those sales decided on, with what became of them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.engine import Connection

from storage.enums import Stage
from storage.models import Lead, Transition
from storage.rows import DecidedLead

_lead = Lead.__table__  # type: ignore[attr-defined]
_transition = Transition.__table__  # type: ignore[attr-defined]


def decided_leads(conn: Connection, *, since: datetime | None = None) -> list[DecidedLead]:
    """Leads decided (taken out of the MQL queue) at or after ``since``, erased ones left out.

    ``decided_at`` is set when an MQL is accepted or rejected; "accepted"
    looks at the transitions, so a lead accepted, lost and re-opened counts
    once, and one rejected and now an MQL again counts as rejected.
    """
    reached_sql = exists().where(
        _transition.c.lead_id == _lead.c.id, _transition.c.to_stage == Stage.SQL.value
    )
    query = select(_lead.c.score_reasons, _lead.c.stage, reached_sql.label("accepted")).where(
        _lead.c.decided_at.is_not(None), _lead.c.erased_at.is_(None)
    )
    if since is not None:
        query = query.where(_lead.c.decided_at >= since)
    return [
        DecidedLead(reasons=row.score_reasons or [], accepted=bool(row.accepted), stage=row.stage)
        for row in conn.execute(query)
    ]
