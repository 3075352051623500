"""The qualification modal's submission: answers checked, then the lead accepted with them.

A missing required answer, or one that fails the server's checks, is shown
in the modal under its question and nothing is stored. Complete answers go
the way of a plain Accept (``actions.accept_lead``): of two people
submitting at once one accepts the lead, the other is told who was first.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncAck

from bot.core.qualification import check_answers
from bot.slack.component import SlackRuntime
from bot.slack.qualification import QUALIFY_CALLBACK, parse_questions_submission
from handlers.slack.actions import accept_lead, modal_decider

log = logging.getLogger(__name__)


def register(rt: SlackRuntime) -> None:
    @rt.bolt.view(QUALIFY_CALLBACK)
    async def questions_submitted(ack: AsyncAck, body: dict[str, Any]) -> None:
        try:
            submission = parse_questions_submission(body["view"])
        except (ValueError, KeyError) as exc:
            log.warning("not a qualification modal this app opened: %s", exc)
            await ack()
            return
        checked = check_answers(rt.services.config.qualification.questions, submission.values)
        if checked.errors:
            await ack(response_action="errors", errors=dict(checked.errors))
            return
        await ack()
        if decider := await modal_decider(rt, body, submission.channel, submission.lead_id):
            await accept_lead(rt, *decider, answers=checked.answers)
