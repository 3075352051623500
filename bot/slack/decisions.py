"""Accept and reject from Slack: the lead changes stage, or the person learns why not.

Synchronous database work, run off the event loop by the listeners
(``SlackRuntime.run_db``). Private answers are outbox rows like every other
Slack call (``chat.postEphemeral``), keyed by the interaction's trigger id so
a retried request answers once.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.engine import Connection

from bot.leads.decisions import Decision, DecisionRefused, Result, check_decision, decide
from bot.leads.unit_of_work import UnitOfWork
from bot.slack.blocks import LeadCard, OutgoingMessage, already_decided, text_message
from bot.slack.cards import build_card
from storage.enums import Stage
from storage.leads import load_lead
from storage.outbox import enqueue_slack
from storage.rows import LeadRow

GONE_TEXT = "That lead no longer exists."
NOT_A_LEAD_TEXT = (
    "That button does not name a lead leadbot knows, so nothing was changed. "
    "Use the buttons on a lead card."
)
REFUSAL_TEXT = (
    "Only the people set up as deciders may accept or reject leads. "
    "Ask a leadbot admin to add you (slack.deciders in the rules file)."
)


@dataclass(frozen=True)
class Clicker:
    """Who acted, where, and the interaction's trigger id (unique per gesture)."""

    user_id: str
    channel: str | None
    interaction_id: str


def decide_from_slack(
    uow: UnitOfWork, clicker: Clicker, decision: Decision, now: datetime
) -> Result | None:
    """Apply a click's decision, or tell the clicker privately why not; None when refused."""
    with uow.begin() as work:
        try:
            result, lead = decide(work, decision, now)
        except DecisionRefused as refusal:
            tell(work.conn, clicker, text_message(refusal.text))
            return None
        if result is not Result.DECIDED:
            tell_too_late(work.conn, clicker, lead, now)
    return result


def card_to_decide(
    uow: UnitOfWork, clicker: Clicker, decision: Decision, now: datetime
) -> LeadCard | None:
    """The card for a modal that will ask about ``decision`` (reject: why?), if it may be made.

    ``None`` after telling ``clicker`` privately that it is too late or not
    theirs to decide; the submission is checked again when it arrives.
    """
    with uow.begin() as work:
        lead = load_lead(work.conn, decision.lead_id)
        if lead is not None and lead.stage == Stage.MQL.value:
            try:
                check_decision(work, lead, decision.actor, decision.target)
            except DecisionRefused as refusal:
                tell(work.conn, clicker, text_message(refusal.text))
                return None
            return build_card(work.conn, lead)
        tell_too_late(work.conn, clicker, lead, now)
    return None


def refuse(uow: UnitOfWork, clicker: Clicker, *, text: str = REFUSAL_TEXT) -> None:
    """Tell ``clicker`` why nothing happened: by default, that they may not decide."""
    with uow.begin() as work:
        tell(work.conn, clicker, text_message(text))


def tell_too_late(conn: Connection, clicker: Clicker, lead: LeadRow | None, now: datetime) -> None:
    message = already_decided(build_card(conn, lead), now) if lead else text_message(GONE_TEXT)
    tell(conn, clicker, message)


def tell(conn: Connection, clicker: Clicker, message: OutgoingMessage) -> None:
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
