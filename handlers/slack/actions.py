"""The Accept, Reject and Pass buttons: Slack payloads in, calls on the core out.

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
from bot.routing.router import Router
from bot.slack.blocks import (
    ACCEPT_ACTION,
    PASS_ACTION,
    REJECT_ACTION,
    LeadCard,
    parse_lead_id,
    reject_modal,
)
from bot.slack.component import SlackRuntime
from bot.slack.decisions import (
    NOT_A_LEAD_TEXT,
    Clicker,
    card_to_decide,
    decide_from_slack,
    refuse,
)
from bot.slack.offers import pass_from_slack
from bot.slack.qualification import questions_modal
from storage.enums import Stage

log = logging.getLogger(__name__)


def register(rt: SlackRuntime) -> None:
    @rt.bolt.action(ACCEPT_ACTION)
    async def accept(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        clicker, lead_id = _click(body)
        if lead_id is None:
            await not_a_lead(rt, clicker)
        elif not await may_decide(rt, clicker):
            return
        elif rt.services.config.qualification.questions:
            await _ask_questions(rt, client, clicker, lead_id, _message_ts(body))
        else:
            await accept_lead(rt, clicker, lead_id)

    @rt.bolt.action(REJECT_ACTION)
    async def reject(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        clicker, lead_id = _click(body)
        if lead_id is None:
            await not_a_lead(rt, clicker)
            return
        if not await may_decide(rt, clicker):
            return
        ts = _message_ts(body)
        # the reason, asked next, says recycled or disqualified; who may decide is the same
        await open_modal(
            rt,
            client,
            clicker,
            _decision(rt, clicker, lead_id, Stage.DISQUALIFIED),
            lambda card: reject_modal(lead_id, card, channel=clicker.channel, message_ts=ts),
        )

    router = Router(rt.services.config.routing, rt.config)
    work, clock = rt.services.work, rt.services.clock

    @rt.bolt.action(PASS_ACTION)
    async def pass_on(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        clicker, lead_id = _click(body)
        if lead_id is not None:
            await rt.run_db(pass_from_slack, work, router, clicker, lead_id, clock())


async def not_a_lead(rt: SlackRuntime, clicker: Clicker) -> None:
    """Answer a button or modal that names no lead (forged or garbled) politely and privately."""
    await rt.run_db(refuse, rt.services.work, clicker, text=NOT_A_LEAD_TEXT)


async def may_decide(rt: SlackRuntime, clicker: Clicker) -> bool:
    """Whether ``clicker`` may decide (a decider or an admin); if not, they are told privately."""
    if rt.is_admin(clicker.user_id) or await rt.deciders.allows(clicker.user_id):
        return True
    await rt.run_db(refuse, rt.services.work, clicker)
    return False


async def modal_decider(
    rt: SlackRuntime, body: dict[str, Any], channel: str | None, lead: str
) -> tuple[Clicker, int] | None:
    """Who submitted a decision's modal, on which lead; None (after telling them) if not allowed."""
    clicker = Clicker(body["user"]["id"], channel, body["trigger_id"])
    lead_id = parse_lead_id(lead)
    if lead_id is None:
        await not_a_lead(rt, clicker)
        return None
    if not await may_decide(rt, clicker):
        return None
    return clicker, lead_id


async def accept_lead(
    rt: SlackRuntime, clicker: Clicker, lead_id: int, answers: tuple[Answer, ...] = ()
) -> None:
    """Accept the lead as ``clicker``, with the answers to the questions when there are any."""
    decision = _decision(rt, clicker, lead_id, Stage.SQL, answers)
    await rt.run_db(decide_from_slack, rt.services.work, clicker, decision, rt.services.clock())


def _decision(
    rt: SlackRuntime,
    clicker: Clicker,
    lead_id: int,
    target: Stage,
    answers: tuple[Answer, ...] = (),
) -> Decision:
    actor = Actor(ActorKind.SLACK, clicker.user_id, admin=rt.is_admin(clicker.user_id))
    return Decision(lead_id, target, actor, answers=answers)


async def open_modal(
    rt: SlackRuntime,
    client: AsyncWebClient,
    clicker: Clicker,
    decision: Decision,
    modal: Callable[[LeadCard], dict[str, Any]],
) -> None:
    """Open the ``modal`` made of the lead's card, if ``decision`` may be made (so far).

    Someone may have decided the lead already, or it may be offered to
    another rep: then the person is told privately instead.
    """
    card = await rt.run_db(card_to_decide, rt.services.work, clicker, decision, rt.services.clock())
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
        _decision(rt, clicker, lead_id, Stage.SQL),
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
    return clicker, parse_lead_id(body["actions"][0].get("value", ""))


def _message_ts(body: dict[str, Any]) -> str | None:
    return (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
