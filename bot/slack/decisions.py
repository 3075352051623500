"""Accept and reject from Slack: the lead changes stage, or the person learns why not.

Synchronous database work, run off the event loop by the Slack listeners
(``SlackRuntime.run_db``). The move goes through ``change_stage`` with the
version read in the same transaction, so of two simultaneous clicks exactly
one lands; the other gets a private "already accepted by @X". Private
answers are outbox rows like every other Slack call (``chat.postEphemeral``),
keyed by the interaction's trigger id so a retried request answers once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy.engine import Connection, Engine

from bot.core.lifecycle import Actor, ActorKind, plan_transition
from bot.leads.stage_change import TransitionEffect, change_stage
from bot.slack.blocks import LeadCard, OutgoingMessage, already_decided
from bot.slack.cards import build_card, load_lead
from bot.slack.handoff import text_message
from storage.models import Stage
from storage.outbox import enqueue_slack
from storage.transitions import StaleLead

#: the reject reason that sends a lead back to nurture; every other one disqualifies it
RECYCLE_REASON = "not_ready"

GONE_TEXT = "That lead no longer exists."
NOT_A_LEAD_TEXT = (
    "That button does not name a lead leadbot knows, so nothing was changed. "
    "Use the buttons on a lead card."
)
REFUSAL_TEXT = (
    "Only the people set up as deciders may accept or reject leads. "
    "Ask a leadbot admin to add you (slack.deciders in the rules file)."
)


class Result(StrEnum):
    DECIDED = "decided"
    ALREADY_DECIDED = "already_decided"
    GONE = "gone"


@dataclass(frozen=True)
class Clicker:
    """Who acted, where, and the interaction's trigger id (unique per gesture)."""

    user_id: str
    channel: str | None
    interaction_id: str


def reject_target(reason: str) -> Stage:
    return Stage.RECYCLED if reason == RECYCLE_REASON else Stage.DISQUALIFIED


def decide(
    engine: Engine,
    clicker: Clicker,
    *,
    lead_id: int,
    target: Stage,
    now: datetime,
    effects: Sequence[TransitionEffect],
    reason: str | None = None,
    note: str | None = None,
    admin: bool = False,
    after_commit: Sequence[Callable[[], None]] = (),
) -> Result:
    """Move an MQL to ``target`` on behalf of ``clicker``, or tell them why it is too late."""
    actor = Actor(ActorKind.SLACK, clicker.user_id, admin=admin)
    try:
        with engine.begin() as conn:
            lead = load_lead(conn, lead_id)
            if lead is None:
                _tell(conn, clicker, text_message(GONE_TEXT))
                result = Result.GONE
            elif lead["stage"] != Stage.MQL.value:
                _tell_already_decided(conn, clicker, lead_id, now)
                result = Result.ALREADY_DECIDED
            else:
                plan = plan_transition(lead["stage"], target, actor, reason, note, now=now)
                change_stage(conn, lead=lead, plan=plan, effects=effects)
                result = Result.DECIDED
    except StaleLead:  # someone decided between our read and our write
        with engine.begin() as conn:
            _tell_already_decided(conn, clicker, lead_id, now)
        result = Result.ALREADY_DECIDED
    _run(after_commit)
    return result


def card_to_reject(
    engine: Engine,
    clicker: Clicker,
    *,
    lead_id: int,
    now: datetime,
    after_commit: Sequence[Callable[[], None]] = (),
) -> LeadCard | None:
    """The card for the reject modal, or ``None`` after telling ``clicker`` it is too late."""
    with engine.begin() as conn:
        lead = load_lead(conn, lead_id)
        if lead is not None and lead["stage"] == Stage.MQL.value:
            return build_card(conn, lead)
        _tell_already_decided(conn, clicker, lead_id, now)
    _run(after_commit)
    return None


def refuse(
    engine: Engine,
    clicker: Clicker,
    *,
    text: str = REFUSAL_TEXT,
    after_commit: Sequence[Callable[[], None]] = (),
) -> None:
    """Tell ``clicker`` why nothing happened: by default, that they may not decide."""
    with engine.begin() as conn:
        _tell(conn, clicker, text_message(text))
    _run(after_commit)


def _tell_already_decided(conn: Connection, clicker: Clicker, lead_id: int, now: datetime) -> None:
    lead = load_lead(conn, lead_id)
    message = already_decided(build_card(conn, lead), now) if lead else text_message(GONE_TEXT)
    _tell(conn, clicker, message)


def _tell(conn: Connection, clicker: Clicker, message: OutgoingMessage) -> None:
    """Queue a message only ``clicker`` sees, in the channel they acted in."""
    if clicker.channel is None:
        return
    enqueue_slack(
        conn,
        dedupe_key=f"ephemeral:{clicker.interaction_id}",
        target=clicker.channel,
        method="chat.postEphemeral",
        args={"channel": clicker.channel, "user": clicker.user_id, **message.as_kwargs()},
    )


def _run(hooks: Sequence[Callable[[], None]]) -> None:
    for hook in hooks:
        hook()
