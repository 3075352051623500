"""Gather what a Slack card shows about a lead: its row, latest activities, the decision.

The card builders in ``bot.slack.blocks`` are pure; this module reads their
input (through ``storage.leads``) inside the caller's transaction, so a card
written by a stage-change effect shows exactly the state that change committed.
"""

from __future__ import annotations

from sqlalchemy.engine import Connection

from bot.slack.blocks import LATEST_ACTIVITIES, LeadCard
from storage.enums import Stage
from storage.leads import latest_activities, latest_decision
from storage.rows import LeadRow

_SLACK_ACTOR = "slack:"


def build_card(conn: Connection, lead: LeadRow) -> LeadCard:
    """The card for ``lead`` as it stands in the database now."""
    decision = latest_decision(conn, lead) if lead.stage != Stage.MQL.value else None
    return LeadCard(
        lead_id=lead.id,
        email=lead.email,
        first_name=lead.first_name,
        last_name=lead.last_name,
        job_title=lead.job_title,
        company=lead.company,
        country=lead.country,
        company_size=lead.company_size,
        source=lead.source,
        score_total=lead.score,
        score_fit=lead.fit_score,
        score_engagement=lead.engagement_score,
        reasons=lead.score_reasons or (),
        activities=latest_activities(conn, lead.id, limit=LATEST_ACTIVITIES),
        hot=bool(lead.hot),
        mql_at=lead.mql_at,
        stage=lead.stage,
        owner_id=lead.owner_id,
        decided_at=decision.at if decision else lead.decided_at,
        # a Slack user id for people (shown as a mention), else the actor as stored
        decided_by=decision.actor.removeprefix(_SLACK_ACTOR) if decision else None,
        reject_reason=decision.reason if decision else None,
        reject_note=decision.note if decision else None,
    )
