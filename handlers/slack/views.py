"""The reject modal's submission: a reason (and a note) in, the rejection stored."""

from __future__ import annotations

from typing import Any

from slack_bolt.async_app import AsyncAck

from bot.core.lifecycle import Actor, ActorKind
from bot.leads.decisions import Decision, reject_target
from bot.slack.blocks import (
    NOTE_BLOCK,
    NOTE_MAX,
    REASON_BLOCK,
    REJECT_CALLBACK,
    parse_reject_submission,
)
from bot.slack.component import SlackRuntime
from bot.slack.decisions import decide_from_slack
from handlers.slack.actions import modal_decider


def register(rt: SlackRuntime) -> None:
    @rt.bolt.view(REJECT_CALLBACK)
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
        decider = await modal_decider(rt, body, submission.channel, submission.lead_id)
        if decider is None:
            return
        clicker, lead_id = decider
        actor = Actor(ActorKind.SLACK, clicker.user_id, admin=rt.is_admin(clicker.user_id))
        decision = Decision(
            lead_id,
            reject_target(submission.reason),
            actor,
            submission.reason,
            submission.note,
        )
        await rt.run_db(decide_from_slack, rt.services.work, clicker, decision, rt.services.clock())
