"""Gather what a Slack card shows about a lead: its row, latest activities, the decision.

The card builders in ``bot.slack.blocks`` are pure; this module reads their input
from the database inside the caller's transaction, so a card written by a
stage-change effect shows exactly the state that change committed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.slack.blocks import LATEST_ACTIVITIES, LeadCard
from storage.models import Activity, Lead, Stage, Transition

_lead = Lead.__table__  # type: ignore[attr-defined]
_activity = Activity.__table__  # type: ignore[attr-defined]
_transition = Transition.__table__  # type: ignore[attr-defined]

_SLACK_ACTOR = "slack:"


@dataclass(frozen=True)
class Decision:
    """The move that took a lead out of the sales queue: who, why, when."""

    actor: str
    reason: str | None
    note: str | None
    at: datetime

    @property
    def decided_by(self) -> str:
        """A Slack user id for people (shown as a mention), else the actor as stored."""
        return self.actor.removeprefix(_SLACK_ACTOR)


def load_lead(conn: Connection, lead_id: int) -> Mapping[str, Any] | None:
    return conn.execute(select(_lead).where(_lead.c.id == lead_id)).mappings().first()


def latest_decision(conn: Connection, lead: Mapping[str, Any]) -> Decision | None:
    """The last move out of ``mql`` since the lead's latest qualification, if any."""
    query = (
        select(_transition.c.actor, _transition.c.reason, _transition.c.note, _transition.c.at)
        .where(_transition.c.lead_id == lead["id"], _transition.c.from_stage == Stage.MQL.value)
        .order_by(_transition.c.version.desc())
        .limit(1)
    )
    if lead["mql_at"] is not None:
        query = query.where(_transition.c.at >= lead["mql_at"])
    row = conn.execute(query).first()
    return Decision(row.actor, row.reason, row.note, row.at) if row else None


def build_card(conn: Connection, lead: Mapping[str, Any]) -> LeadCard:
    """The card for ``lead`` (a lead row) as it stands in the database now."""
    recent = conn.execute(
        select(_activity.c.type, _activity.c.occurred_at)
        .where(_activity.c.lead_id == lead["id"])
        .order_by(_activity.c.occurred_at.desc(), _activity.c.id.desc())
        .limit(LATEST_ACTIVITIES)
    ).all()
    decision = latest_decision(conn, lead) if lead["stage"] != Stage.MQL.value else None
    return LeadCard(
        lead_id=lead["id"],
        email=lead["email"],
        first_name=lead["first_name"],
        last_name=lead["last_name"],
        job_title=lead["job_title"],
        company=lead["company"],
        country=lead["country"],
        company_size=lead["company_size"],
        source=lead["source"],
        score_total=lead["score"],
        score_fit=lead["fit_score"],
        score_engagement=lead["engagement_score"],
        reasons=lead["score_reasons"] or (),
        activities=[(row.type, row.occurred_at) for row in recent],
        hot=bool(lead["hot"]),
        mql_at=lead["mql_at"],
        stage=lead["stage"],
        owner_id=lead["owner_id"],
        decided_at=decision.at if decision else lead["decided_at"],
        decided_by=decision.decided_by if decision else None,
        reject_reason=decision.reason if decision else None,
        reject_note=decision.note if decision else None,
    )
