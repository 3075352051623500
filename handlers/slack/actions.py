"""The Accept, Reject and Pass buttons: Slack payloads in, calls on the core out.

Every listener acknowledges first (Slack wants an answer within 3 seconds)
and does the database work in a thread afterwards.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.lifecycle import Actor, ActorKind
from bot.leads.decisions import Decision
from bot.routing.router import Router
from bot.slack.blocks import ACCEPT_ACTION, PASS_ACTION, REJECT_ACTION, reject_modal
from bot.slack.component import SlackRuntime
from bot.slack.decisions import Clicker, card_to_decide, decide_from_slack, refuse
from bot.slack.offers import pass_from_slack
from handlers.slack.payloads import lead_id_of
from storage.enums import Stage

log = logging.getLogger(__name__)


def register(rt: SlackRuntime) -> None:
    work, clock = rt.services.work, rt.services.clock

    @rt.bolt.action(ACCEPT_ACTION)
    async def accept(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        clicker, lead_id = _click(body)
        if lead_id is None or not await may_decide(rt, clicker):
            return
        actor = Actor(ActorKind.SLACK, clicker.user_id, admin=rt.is_admin(clicker.user_id))
        decision = Decision(lead_id, Stage.SQL, actor)
        await rt.run_db(decide_from_slack, work, clicker, decision, clock())

    @rt.bolt.action(REJECT_ACTION)
    async def reject(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        clicker, lead_id = _click(body)
        if lead_id is None or not await may_decide(rt, clicker):
            return
        actor = Actor(ActorKind.SLACK, clicker.user_id, admin=rt.is_admin(clicker.user_id))
        # the reason, asked next, says recycled or disqualified; who may decide is the same
        decision = Decision(lead_id, Stage.DISQUALIFIED, actor)
        card = await rt.run_db(card_to_decide, work, clicker, decision, clock())
        if card is None:
            return
        view = reject_modal(lead_id, card, channel=clicker.channel, message_ts=_message_ts(body))
        try:
            await client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:  # e.g. the trigger expired: the person clicks again
            log.warning("cannot open the reject modal: %s", exc.response.get("error"))

    router = Router(rt.services.config.routing, rt.config)

    @rt.bolt.action(PASS_ACTION)
    async def pass_on(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        clicker, lead_id = _click(body)
        if lead_id is not None:
            await rt.run_db(pass_from_slack, work, router, clicker, lead_id, clock())


async def may_decide(rt: SlackRuntime, clicker: Clicker) -> bool:
    """Whether ``clicker`` may decide (a decider or an admin); if not, they are told privately."""
    if rt.is_admin(clicker.user_id) or await rt.deciders.allows(clicker.user_id):
        return True
    await rt.run_db(refuse, rt.services.work, clicker)
    return False


def _click(body: dict[str, Any]) -> tuple[Clicker, int | None]:
    """Who clicked where, and the lead id the button carries (``None`` if it is not one)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    clicker = Clicker(body["user"]["id"], channel, body["trigger_id"])
    return clicker, lead_id_of(body["actions"][0].get("value"))


def _message_ts(body: dict[str, Any]) -> str | None:
    return (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
