"""Slack listeners: buttons, modals and the slash command, translated into calls on ``bot``.

One module per Slack concept, each with a ``register``; ``register`` here
attaches them all to the Slack feature's Bolt app (``create_app`` calls it).
"""

from __future__ import annotations

from bot.slack.component import SlackRuntime
from handlers.slack import actions, commands, qualification, views


def register(rt: SlackRuntime) -> None:
    actions.register(rt)
    views.register(rt)
    qualification.register(rt)
    commands.register(rt)
