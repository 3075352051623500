"""The one way a lead changes stage: apply the plan, then run its effects.

Ingest (scoring, outcomes), Slack buttons, slash commands and the CLI all go
through ``change_stage`` so every stage change gets the same side effects —
Slack cards, outbound webhooks — written in the *same* transaction as the
change itself (the transactional outbox): either both are stored or neither.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy import select
from sqlalchemy.engine import Connection

from bot.lifecycle import TransitionPlan
from storage.models import Lead
from storage.transitions import apply_transition

_lead = Lead.__table__  # type: ignore[attr-defined]


class TransitionEffect(Protocol):
    """Something that follows a stage change, written in the change's transaction.

    ``lead`` is the lead row as it is after the change (stage, owner, scores,
    ``score_reasons``, timestamps, ``version``…). Effects enqueue work (outbox
    rows); they never call the network themselves.
    """

    def __call__(self, conn: Connection, lead: Mapping[str, Any], plan: TransitionPlan) -> None: ...


def change_stage(
    conn: Connection,
    *,
    lead_id: int,
    expected_version: int,
    plan: TransitionPlan,
    effects: Sequence[TransitionEffect] = (),
) -> Mapping[str, Any]:
    """Apply ``plan`` with optimistic concurrency and run ``effects``; returns the new lead row.

    Raises ``storage.transitions.StaleLead`` when someone else changed the lead
    first (the caller tells the user who), ``UnknownLead`` when it is gone.
    """
    apply_transition(conn, lead_id=lead_id, expected_version=expected_version, plan=plan)
    lead = conn.execute(select(_lead).where(_lead.c.id == lead_id)).mappings().one()
    for effect in effects:
        effect(conn, lead, plan)
    return lead
