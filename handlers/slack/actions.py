"""Accept and Reject buttons and the reject modal: Slack payloads in, calls on the core out.

Every listener acknowledges first — Slack gives up after 3 seconds — and
then does its work off the event loop through ``SlackRuntime.run_db``. The
one Web API call made here rather than through the outbox is ``views.open``:
it needs the click's trigger id, which expires three seconds after the click.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.slack.blocks import (
    ACCEPT_ACTION,
    NOTE_BLOCK,
    NOTE_MAX,
    REASON_BLOCK,
    REJECT_ACTION,
    REJECT_CALLBACK,
    parse_lead_id,
    parse_reject_submission,
    reject_modal,
)
from bot.slack.decisions import (
    NOT_A_LEAD_TEXT,
    Clicker,
    card_to_reject,
    decide,
    refuse,
    reject_target,
)
from storage.models import Stage

if TYPE_CHECKING:
    from bot.slack.component import SlackRuntime

log = logging.getLogger(__name__)


def register(app: AsyncApp, rt: SlackRuntime) -> None:
    """Attach the handoff listeners to ``app``."""

    @app.action(ACCEPT_ACTION)
    async def accept(ack: AsyncAck, body: dict[str, Any]) -> None:
        await ack()
        clicker, lead_id = _click(body)
        if lead_id is None:
            await _not_a_lead(rt, clicker)
        elif await _may_decide(rt, clicker):
            await rt.run_db(
                decide,
                rt.engine,
                clicker,
                lead_id=lead_id,
                target=Stage.SQL,
                now=rt.clock(),
                effects=rt.effects,
                admin=rt.is_admin(clicker.user_id),
                after_commit=rt.after_commit,
            )

    @app.action(REJECT_ACTION)
    async def reject(ack: AsyncAck, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        clicker, lead_id = _click(body)
        if lead_id is None:
            await _not_a_lead(rt, clicker)
            return
        if not await _may_decide(rt, clicker):
            return
        card = await rt.run_db(
            card_to_reject,
            rt.engine,
            clicker,
            lead_id=lead_id,
            now=rt.clock(),
            after_commit=rt.after_commit,
        )
        if card is None:
            return
        view = reject_modal(lead_id, card, channel=clicker.channel, message_ts=_message_ts(body))
        try:
            await client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:  # e.g. the trigger expired: the person clicks again
            log.warning("cannot open the reject modal: %s", exc.response.get("error"))

    @app.view(REJECT_CALLBACK)
    async def reject_submitted(ack: AsyncAck, body: dict[str, Any]) -> None:
        try:
            submission = parse_reject_submission(body["view"])
        except (ValueError, KeyError):
            await ack(response_action="errors", errors={REASON_BLOCK: "Choose a reason"})
            return
        if submission.note is not None and len(submission.note) > NOTE_MAX:
            too_long = (
                f"Keep the note to {NOTE_MAX:,} characters (this one has {len(submission.note):,})"
            )
            await ack(response_action="errors", errors={NOTE_BLOCK: too_long})
            return
        await ack()
        clicker = Clicker(body["user"]["id"], submission.channel, body["trigger_id"])
        lead_id = parse_lead_id(submission.lead_id)
        if lead_id is None:
            await _not_a_lead(rt, clicker)
            return
        if not await _may_decide(rt, clicker):
            return
        await rt.run_db(
            decide,
            rt.engine,
            clicker,
            lead_id=lead_id,
            target=reject_target(submission.reason),
            reason=submission.reason,
            note=submission.note,
            now=rt.clock(),
            effects=rt.effects,
            admin=rt.is_admin(clicker.user_id),
            after_commit=rt.after_commit,
        )


async def _not_a_lead(rt: SlackRuntime, clicker: Clicker) -> None:
    await rt.run_db(refuse, rt.engine, clicker, text=NOT_A_LEAD_TEXT, after_commit=rt.after_commit)


async def _may_decide(rt: SlackRuntime, clicker: Clicker) -> bool:
    if await rt.deciders.allows(clicker.user_id):
        return True
    await rt.run_db(refuse, rt.engine, clicker, after_commit=rt.after_commit)
    return False


def _click(body: dict[str, Any]) -> tuple[Clicker, int | None]:
    """Who clicked where, and the lead id the button carries (``None`` if it is not one)."""
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    clicker = Clicker(body["user"]["id"], channel, body["trigger_id"])
    return clicker, parse_lead_id(body["actions"][0].get("value", ""))


def _message_ts(body: dict[str, Any]) -> str | None:
    return (body.get("container") or {}).get("message_ts") or (body.get("message") or {}).get("ts")
