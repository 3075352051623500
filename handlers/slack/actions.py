"""The Accept and Reject buttons: Slack payloads in, calls on the core out.

Every listener acknowledges first (Slack wants an answer within 3 seconds)
and does the database work in a thread afterwards. With qualification
questions in the rules file, Accept opens a modal asking them and the lead
is accepted when it is submitted (``handlers.slack.qualification``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.lifecycle import Actor, ActorKind
from bot.core.qualification import Answer
from bot.leads.decisions import Decision
from bot.slack.blocks import ACCEPT_ACTION, REJECT_ACTION, LeadCard, reject_modal
from bot.slack.component import SlackRuntime
from bot.slack.decisions import Clicker, decide_from_slack, refuse, undecided_card
from bot.slack.qualification import questions_modal
from handlers.slack.payloads import lead_id_of
from storage.enums import Stage

log = logging.getLogger(__name__)


def register(rt: SlackRuntime) -> None:
    @rt.bolt.action(ACCEPT_ACTION)
    async def accept(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        clicker, lead_id = _click(body)
        if lead_id is None or not await may_decide(rt, clicker):
            return
        if rt.services.config.qualification.questions:
            await _ask_questions(rt, client, clicker, lead_id, _message_ts(body))
        else:
            await accept_lead(rt, clicker, lead_id)

    @rt.bolt.action(REJECT_ACTION)
    async def reject(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        clicker, lead_id = _click(body)
        if lead_id is None or not await may_decide(rt, clicker):
            return
        ts = _message_ts(body)
        await open_modal(
            rt,
            client,
            clicker,
            lead_id,
            lambda card: reject_modal(lead_id, card, channel=clicker.channel, message_ts=ts),
        )


async def may_decide(rt: SlackRuntime, clicker: Clicker) -> bool:
    """Whether ``clicker`` may decide; if not, they are told so privately."""
    if await rt.deciders.allows(clicker.user_id):
        return True
    await rt.run_db(refuse, rt.services.work, clicker)
    return False


async def modal_decider(
    rt: SlackRuntime, body: dict[str, Any], channel: str | None, lead: str
) -> tuple[Clicker, int] | None:
    """Who submitted a decision's modal, on which lead; None (after telling them) if not allowed."""
    clicker = Clicker(body["user"]["id"], channel, body["trigger_id"])
    lead_id = lead_id_of(lead)
    if lead_id is None or not await may_decide(rt, clicker):
        return None
    return clicker, lead_id


async def accept_lead(
    rt: SlackRuntime, clicker: Clicker, lead_id: int, answers: tuple[Answer, ...] = ()
) -> None:
    """Accept the lead as ``clicker``, with the answers to the questions when there are any."""
    actor = Actor(ActorKind.SLACK, clicker.user_id, admin=rt.is_admin(clicker.user_id))
    decision = Decision(lead_id, Stage.SQL, actor, answers=answers)
    await rt.run_db(decide_from_slack, rt.services.work, clicker, decision, rt.services.clock())


async def open_modal(
    rt: SlackRuntime,
    client: AsyncWebClient,
    clicker: Clicker,
    lead_id: int,
    modal: Callable[[LeadCard], dict[str, Any]],
) -> None:
    """Open the ``modal`` made of the lead's card, unless someone decided the lead already."""
    card = await rt.run_db(undecided_card, rt.services.work, clicker, lead_id, rt.services.clock())
    if card is None:
        return
    view = modal(card)
    try:
        await client.views_open(trigger_id=clicker.interaction_id, view=view)
    except SlackApiError as exc:  # e.g. the trigger expired: the person clicks again
        log.warning("cannot open the %s modal: %s", view["callback_id"], exc.response.get("error"))


async def _ask_questions(
    rt: SlackRuntime,
    client: AsyncWebClient,
    clicker: Clicker,
    lead_id: int,
    message_ts: str | None,
) -> None:
    """Open the qualification modal; submitting it accepts the lead."""
    questions = rt.services.config.qualification.questions
    await open_modal(
        rt,
        client,
        clicker,
        lead_id,
        lambda card: questions_modal(
            card, questions, channel=clicker.channel, message_ts=message_ts
        ),
    )


def _click(body: dict[str, Any]) -> tuple[Clicker, int | None]:
    """Who clicked where, and the lead id the button carries (``None`` if it is not one)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    clicker = Clicker(body["user"]["id"], channel, body["trigger_id"])
    return clicker, lead_id_of(body["actions"][0].get("value"))


def _message_ts(body: dict[str, Any]) -> str | None:
    return (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
