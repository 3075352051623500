"""PostgreSQL for the ingest benchmark: a throwaway database, and the CPU its backends use."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import make_engine
from storage.migrate import upgrade
from tests.perf.ingest_load import process_cpu

ADMIN_URL = os.environ.get(
    "BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def reachable() -> str | None:
    """None when the server answers, else why not."""
    try:
        engine = make_engine(ADMIN_URL, pool=False)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # the reason is what the benchmark prints
        return str(exc).splitlines()[0]
    return None


@contextmanager
def database() -> Iterator[str]:
    """A migrated, empty database, dropped afterwards."""
    name = f"leadbot_bench_{uuid.uuid4().hex[:10]}"
    admin = make_engine(ADMIN_URL, pool=False, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url, pool=False)
    upgrade(engine)
    engine.dispose()
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def backend_cpu(url: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend connected to ``url``'s database."""
    name = make_url(url).database
    admin = make_engine(ADMIN_URL, pool=False)
    with admin.connect() as conn:
        pids = conn.execute(
            text("SELECT pid FROM pg_stat_activity WHERE datname = :name"), {"name": name}
        ).scalars()
        found = {}
        for pid in pids:
            try:
                found[pid] = process_cpu(pid)
            except FileNotFoundError:  # gone meanwhile
                continue
    admin.dispose()
    return found


def cpu_between(before: dict[int, float], after: dict[int, float]) -> float:
    """CPU the backends used between two readings (new backends count from zero)."""
    return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())
