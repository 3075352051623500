"""A throwaway PostgreSQL database, migrated, for tests and benchmarks."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlmodel import SQLModel

from storage.db import make_engine
from storage.migrate import upgrade


@contextmanager
def throwaway_database(admin_url: str, prefix: str) -> Iterator[str]:
    """The URL of a new, migrated database on ``admin_url``'s server, dropped afterwards."""
    admin = make_engine(admin_url, pool=False, isolation_level="AUTOCOMMIT")
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url, pool=False)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def truncate_all(url: str) -> None:
    """Empty every table of the PostgreSQL database at ``url`` and restart its ids.

    Tests share one throwaway database per run: emptying it is much faster
    than creating one for each test.
    """
    engine = make_engine(url, pool=False)
    tables = ", ".join(f'"{t.name}"' for t in SQLModel.metadata.sorted_tables)
    with engine.begin() as conn:
        conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
    engine.dispose()
