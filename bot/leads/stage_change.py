"""The one way a lead changes stage: apply the plan, then run its effects.

Ingest (scoring, outcomes), Slack buttons, slash commands and the CLI all go
through ``change_stage`` so every stage change gets the same side effects —
Slack cards, outbound webhooks — written in the *same* transaction as the
change itself (the transactional outbox): either both are stored or neither.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from sqlalchemy.engine import Connection

from bot.core.lifecycle import TransitionPlan
from storage.transitions import apply_transition


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
    lead: Mapping[str, Any],
    plan: TransitionPlan,
    effects: Sequence[TransitionEffect] = (),
) -> Mapping[str, Any]:
    """Apply ``plan`` to ``lead`` (a full lead row) and run ``effects``; returns the new row.

    The lead's ``version`` is the optimistic-concurrency check: raises
    ``storage.transitions.StaleLead`` when someone else changed the lead since
    it was read (the caller tells the user who), ``UnknownLead`` when it is gone.
    """
    before, lead_id, expected_version = lead, lead["id"], lead["version"]
    version = apply_transition(conn, lead_id=lead_id, expected_version=expected_version, plan=plan)
    lead = {**before, **plan.lead_changes, "version": version, "updated_at": plan.at}
    for effect in effects:
        effect(conn, lead, plan)
    return lead
