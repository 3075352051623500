"""Small named facts about the installation (e.g. which rules scored the leads)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.engine import Connection

from storage.dialect import insert_for
from storage.models import AppState

_state = AppState.__table__  # type: ignore[attr-defined]


def read_state(conn: Connection, key: str) -> str | None:
    return conn.execute(select(_state.c.value).where(_state.c.key == key)).scalar_one_or_none()


def write_state(conn: Connection, key: str, value: str, now: datetime) -> None:
    stmt = insert_for(conn, _state).values(key=key, value=value, updated_at=now)
    conn.execute(
        stmt.on_conflict_do_update(index_elements=["key"], set_={"value": value, "updated_at": now})
    )
