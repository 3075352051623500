"""When a lead's personal data is erased, what leadbot posted about it in Slack goes too.

Every message the bot posted about the lead — cards, thread replies,
reminders, escalations — is replaced in place (``chat.update``, through the
outbox like every other Slack call) by a one-line notice, and whatever was
still waiting to be sent is never sent. What people wrote in those threads,
and ephemeral answers, are beyond a bot's reach; the docs say so.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.engine import Connection

from bot.leads.forget import NOT_SENT
from bot.slack.blocks import erased_notice
from bot.slack.handoff import POST, UPDATE
from storage.outbox import DONE, IN_FLIGHT, SLACK, cancel_pending, enqueue_slack, items_of_lead
from storage.rows import LeadRow


def redact_slack_messages(conn: Connection, lead: LeadRow, now: datetime) -> str:
    """The Slack feature's ``ErasureEffect``: queue the replacement of the lead's posts.

    Runs before the erasure clears the outbox bodies: which rows were posts is
    read from them. A post being sent right now is replaced once it has been
    delivered (the update waits for it, as updates always do).
    """
    lead_id = lead.id
    posted = [
        item
        for item in items_of_lead(conn, lead_id, SLACK)
        if item.status in (DONE, IN_FLIGHT) and item.payload.get("method") == POST
    ]
    cancel_pending(conn, lead_id, SLACK, reason=NOT_SENT)
    notice = erased_notice(lead_id, now).as_kwargs()
    for item in posted:
        enqueue_slack(
            conn,
            dedupe_key=f"{item.dedupe_key}:erased",
            target=item.target,
            method=UPDATE,
            args=notice,
            lead_id=lead_id,
            update_of=item.dedupe_key,
        )
    if not posted:
        return "nothing about it had been posted in Slack"
    messages = "the Slack message" if len(posted) == 1 else f"the {len(posted)} Slack messages"
    return f"{messages} about it will show an erasure notice instead"
