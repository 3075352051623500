"""Test databases: emptied between tests instead of created anew (creating one is slow)."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import SQLModel

from storage.db import make_engine


def truncate_all(url: str) -> None:
    """Empty every table of the PostgreSQL database at ``url`` and restart its ids."""
    engine = make_engine(url, pool=False)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
