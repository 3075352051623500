"""A person's decision on an MQL — accept, reject, recycle, disqualify — checked and stored.

Used by Slack buttons and slash commands alike. The move goes through
``change_stage`` with the version read in the same transaction, so of two
simultaneous decisions exactly one lands; the other learns who was first.

The lead is locked before it is read, and the features' decision checks
(``Effects.checks``: a lead offered to one rep is theirs to decide) run on
what it is then, so a check and the move it allows cannot be separated by
a pass or a timeout that moved the offer on.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum

from bot.core.lifecycle import Actor, plan_transition
from bot.core.qualification import Answer
from bot.leads.qualify import change_stage
from bot.leads.unit_of_work import Work
from storage.enums import Stage
from storage.leads import load_lead, lock_lead
from storage.rows import LeadRow
from storage.transitions import StaleLead, reassign

#: the reject reason that sends a lead back to nurture; every other one disqualifies it
RECYCLE_REASON = "not_ready"


class Result(StrEnum):
    DECIDED = "decided"
    ALREADY_DECIDED = "already_decided"
    GONE = "gone"


@dataclass(frozen=True)
class Decision:
    """Who wants which lead moved where, and why."""

    lead_id: int
    target: Stage
    actor: Actor
    reason: str | None = None
    note: str | None = None
    #: answers to the qualification questions, given when accepting
    answers: tuple[Answer, ...] = ()


class DecisionRefused(Exception):
    """A decision check said no; ``text`` (mrkdwn) tells the person why."""

    def __init__(self, text: str) -> None:
        super().__init__(text)
        self.text = text


def check_decision(work: Work, lead: LeadRow, actor: Actor, target: Stage) -> None:
    """Raise :class:`DecisionRefused` when a feature's check refuses the move."""
    for check in work.effects.checks:
        refusal = check(work.conn, lead, actor, target)
        if refusal is not None:
            raise DecisionRefused(refusal)


def reject_target(reason: str) -> Stage:
    return Stage.RECYCLED if reason == RECYCLE_REASON else Stage.DISQUALIFIED


def decide(work: Work, decision: Decision, now: datetime) -> tuple[Result, LeadRow | None]:
    """Apply ``decision`` to an MQL; the result and the lead as it is now (None if gone).

    A lead no longer in ``mql``, or changed by someone else between our read
    and our write, is ``ALREADY_DECIDED``: nothing is written and the row
    returned shows who decided. A refused decision raises
    :class:`DecisionRefused`.
    """
    lock_lead(work.conn, decision.lead_id)
    lead = load_lead(work.conn, decision.lead_id)
    if lead is None:
        return Result.GONE, None
    if lead.stage != Stage.MQL.value:
        return Result.ALREADY_DECIDED, lead
    check_decision(work, lead, decision.actor, decision.target)
    plan = plan_transition(
        lead.stage, decision.target, decision.actor, decision.reason, decision.note, now=now
    )
    if decision.answers:
        plan = replace(plan, answers=decision.answers)
    try:
        return Result.DECIDED, change_stage(work, lead, plan)
    except StaleLead:  # the guarded update wrote nothing; read what the winner did
        return Result.ALREADY_DECIDED, load_lead(work.conn, decision.lead_id)


def hand_over(work: Work, lead: LeadRow, owner_id: str, actor: Actor, now: datetime) -> LeadRow:
    """Give an SQL to another owner and run the handover effects; the lead as it is after.

    Raises ``StaleLead`` when the lead changed since it was read.
    """
    after = reassign(work.conn, lead, owner_id, now)
    for effect in work.effects.handover:
        effect(work.conn, after, actor, now)
    return after
