"""What learning reads from the database: leads with a known outcome, and recent leads."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.engine import Engine

from bot.history.records import LabelledRecord, LeadRecord, lead_record, record_from_stored
from storage.lead_import import labelled_leads
from storage.leads import activities_by_lead, leads_active_since

#: the what-if window: MQLs per week are counted over leads first seen this long ago
RECENT = timedelta(days=30)


def stored_outcomes(
    engine: Engine, outcome: str, *, since: datetime | None = None
) -> list[LabelledRecord]:
    """Leads whose ``outcome`` is known (first seen at or after ``since``, when given)."""
    with engine.connect() as conn:
        return [record_from_stored(lead) for lead in labelled_leads(conn, outcome, since=since)]


def recent_leads(engine: Engine, now: datetime, window: timedelta = RECENT) -> list[LeadRecord]:
    """Every lead first seen in the ``window`` before ``now``, outcome known or not."""
    since = now - window
    with engine.connect() as conn:
        leads = [lead for lead in leads_active_since(conn, since) if lead.first_seen_at >= since]
        activities = activities_by_lead(conn, [lead.id for lead in leads])
    return [lead_record(lead.as_dict(), activities[lead.id]) for lead in leads]
