"""Slack messages leadbot posted: where each landed, found again by its dedupe key.

The delivery worker records a ``chat.postMessage`` once it is delivered, so a
re-delivery finds the message instead of posting it twice, and later updates
and thread replies know its ``ts``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from storage.dialect import insert_for
from storage.models import SlackMessage

SLACK_MESSAGE = SlackMessage.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class PostedMessage:
    """Where a delivered ``chat.postMessage`` landed."""

    channel: str
    ts: str
    thread_ts: str | None = None


def find_message(conn: Connection, dedupe_key: str) -> PostedMessage | None:
    """The recorded Slack message posted under ``dedupe_key``, if any."""
    row = (
        conn.execute(
            select(SLACK_MESSAGE.c.channel, SLACK_MESSAGE.c.ts, SLACK_MESSAGE.c.thread_ts).where(
                SLACK_MESSAGE.c.dedupe_key == dedupe_key
            )
        )
        .mappings()
        .first()
    )
    return PostedMessage(**row) if row else None


def record_message(
    conn: Connection,
    *,
    dedupe_key: str,
    lead_id: int | None,
    purpose: str,
    message: PostedMessage,
    now: datetime,
) -> None:
    """Remember a posted message, once: a re-delivery finds it instead of posting again."""
    conn.execute(
        insert_for(conn, SLACK_MESSAGE)
        .values(
            lead_id=lead_id,
            purpose=purpose,
            channel=message.channel,
            ts=message.ts,
            thread_ts=message.thread_ts,
            dedupe_key=dedupe_key,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["dedupe_key"])
    )
