"""A stored lead's score recomputed rule by rule, for the CLI and the /leads command."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection, RowMapping

from bot.config.rules import ScoringRules
from bot.core.scoring import ActivityRecord, Score, score_lead
from storage.lead_queries import activities_by_lead


def explain_score(conn: Connection, lead: RowMapping, rules: ScoringRules, now: datetime) -> Score:
    """The lead's score under ``rules``, at the time it was last scored (else ``now``)."""
    activities = activities_by_lead(conn, [lead["id"]])[lead["id"]]
    records = [ActivityRecord.from_row(a) for a in activities]
    # a lead row carries every profile field under its own name
    return score_lead(lead, records, rules, lead["scored_at"] or now)


def stored_score(lead: RowMapping) -> tuple[int, int, int]:
    """Fit, engagement and total as stored when the lead was last scored."""
    return lead["fit_score"], lead["engagement_score"], lead["score"]
