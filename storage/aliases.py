"""The lead sources' own ids for a lead's person: record them, find leads by them, forget them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, tuple_
from sqlalchemy.engine import Connection

from storage.dialect import insert_for
from storage.models import Lead, LeadAlias

alias_table = LeadAlias.__table__  # type: ignore[attr-defined]
lead_table = Lead.__table__  # type: ignore[attr-defined]


def emails_for(conn: Connection, keys: Iterable[tuple[str, str]]) -> dict[tuple[str, str], str]:
    """The email of the lead each known ``(source, alias)`` belongs to."""
    keys = list(keys)
    if not keys:
        return {}
    stmt = (
        select(alias_table.c.source, alias_table.c.alias, lead_table.c.email)
        .join(lead_table, lead_table.c.id == alias_table.c.lead_id)
        .where(tuple_(alias_table.c.source, alias_table.c.alias).in_(keys))
    )
    return {(row.source, row.alias): row.email for row in conn.execute(stmt)}


def record(conn: Connection, links: Mapping[tuple[str, str], int], now: datetime) -> None:
    """Point each ``(source, alias)`` at its lead; the newest link wins.

    Most links are known already (a Segment user sends many events): one read
    finds them, and only new or moved ones are written.
    """
    if not links:
        return
    stmt = select(alias_table.c.source, alias_table.c.alias, alias_table.c.lead_id).where(
        tuple_(alias_table.c.source, alias_table.c.alias).in_(list(links))
    )
    known = {(row.source, row.alias): row.lead_id for row in conn.execute(stmt)}
    rows: Sequence[dict[str, Any]] = [
        {"source": source, "alias": alias, "lead_id": lead_id, "updated_at": now}
        for (source, alias), lead_id in links.items()
        if known.get((source, alias)) != lead_id
    ]
    if not rows:
        return
    upsert = insert_for(conn, alias_table)
    upsert = upsert.on_conflict_do_update(
        index_elements=["source", "alias"],
        set_={"lead_id": upsert.excluded.lead_id, "updated_at": upsert.excluded.updated_at},
    )
    conn.execute(upsert, list(rows))


def forget(conn: Connection, lead_id: int) -> int:
    """Drop a lead's aliases (an erasure): later events with those ids find no one."""
    return conn.execute(delete(alias_table).where(alias_table.c.lead_id == lead_id)).rowcount
