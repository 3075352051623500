"""The few statements whose syntax differs between SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection


def insert_for(backend: Connection | str, table: Table) -> Any:
    """An INSERT supporting ``on_conflict_do_*`` for a connection or a dialect name."""
    name = backend if isinstance(backend, str) else backend.dialect.name
    if name == "postgresql":
        return postgresql.insert(table)
    return sqlite.insert(table)
