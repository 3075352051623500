"""What each webhook source last delivered, for ``leadbot sources``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from storage.models import Event

event_table = Event.__table__  # type: ignore[attr-defined]


def last_deliveries(conn: Connection, sources: Iterable[str]) -> dict[str, tuple[datetime, str]]:
    """(received at, status) of the newest stored event of each source that has one."""
    last: dict[str, tuple[datetime, str]] = {}
    for source in sources:
        row = conn.execute(
            select(event_table.c.received_at, event_table.c.status)
            .where(event_table.c.source == source)
            .order_by(event_table.c.received_at.desc())
            .limit(1)
        ).first()
        if row is not None:
            last[source] = (row.received_at, row.status)
    return last
