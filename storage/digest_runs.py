"""The claims that make each (channel, period) digest go out exactly once."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import exists, select
from sqlalchemy.engine import Connection

from storage.dialect import insert_for
from storage.models import DigestRun

_run = DigestRun.__table__  # type: ignore[attr-defined]


def already_claimed(conn: Connection, channel: str, period: str) -> bool:
    query = select(exists().where(_run.c.channel == channel, _run.c.period == period))
    return bool(conn.execute(query).scalar())


def claim(conn: Connection, *, channel: str, period: str, at: datetime, by: str) -> bool:
    """Claim ``(channel, period)``; ``False`` when another instance or earlier run has it.

    On PostgreSQL a concurrent claimer waits on the unique index until the
    winner commits, then finds the row taken.
    """
    claimed = conn.execute(
        insert_for(conn, _run)
        .values(channel=channel, period=period, claimed_at=at, claimed_by=by)
        .on_conflict_do_nothing(index_elements=["channel", "period"])
        .returning(_run.c.id)
    ).first()
    return claimed is not None
