"""``/leads``: parse the text, check who may do it, acknowledge, then answer.

Slack needs the acknowledgement within 3 seconds, so usage help and refusals
go in the acknowledgement itself and everything that reads the database is
answered afterwards through the command's ``response_url`` (``respond``).
Answers are private unless the person added ``public``.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncRespond

from bot.commands import replies
from bot.commands.parse import ADMIN_ONLY, DECIDER_ONLY, DigestPreview, Help, UsageError, parse
from bot.commands.run import Caller, Services, answer
from bot.config.rules import LeadbotConfig
from bot.digests.job import compose
from bot.digests.schedule import latest_period
from bot.slack.blocks import OutgoingMessage

if TYPE_CHECKING:
    from bot.slack.component import SlackRuntime

log = logging.getLogger(__name__)

ADMIN_REFUSAL = "Only leadbot admins may do that (slack.admins in the rules file)."
DECIDER_REFUSAL = (
    "Only the people set up as deciders may change a lead's stage "
    "(slack.deciders in the rules file)."
)
FAILURE = "Sorry, that did not work; the error was logged. Try again in a moment."


def register(app: AsyncApp, rt: SlackRuntime, config: LeadbotConfig) -> None:
    """Attach the slash command listener to ``app``."""
    name = config.commands.name

    @app.command(name)
    async def leads(ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond) -> None:
        try:
            parsed = parse(command.get("text") or "", name)
        except UsageError as exc:
            await ack(**replies.usage_reply(exc).as_kwargs())
            return
        visibility = "in_channel" if parsed.public else "ephemeral"
        if isinstance(parsed.request, Help):
            await ack(**replies.help_reply(name).as_kwargs(), response_type=visibility)
            return
        caller = Caller(
            user_id=command["user_id"],
            channel_id=command["channel_id"],
            team_domain=command.get("team_domain"),
            admin=rt.is_admin(command["user_id"]),
        )
        refusal = await _refusal(rt, parsed.request, caller)
        if refusal:
            await ack(**replies.reply(refusal).as_kwargs())
            return
        await ack()
        try:
            message = await _answer(rt, config, parsed.request, caller)
        except Exception:  # the person gets a sentence, the log gets the trace
            log.exception("the %s command failed", name)
            message = replies.reply(FAILURE)
            visibility = "ephemeral"
        await respond(**message.as_kwargs(), response_type=visibility)


async def _refusal(rt: SlackRuntime, request: object, caller: Caller) -> str | None:
    if isinstance(request, ADMIN_ONLY) and not caller.admin:
        return ADMIN_REFUSAL
    if isinstance(request, DECIDER_ONLY) and not (
        caller.admin or await rt.deciders.allows(caller.user_id)
    ):
        return DECIDER_REFUSAL
    return None


async def _answer(
    rt: SlackRuntime, config: LeadbotConfig, request: Any, caller: Caller
) -> OutgoingMessage:
    now = rt.clock()
    if isinstance(request, DigestPreview):
        schedule = config.digests.schedule_for(caller.channel_id, request.edition)
        period = latest_period(config.digests, schedule, now)
        return await compose(rt.engine, config, schedule, period, client=rt.client, now=now)
    services = Services(rt.engine, config, now, rt.effects, rt.after_commit, rt.erasure_effects)
    return await rt.run_db(answer, request, caller, services)
