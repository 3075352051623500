"""PostgreSQL for the ingest benchmark: a throwaway database, and the CPU its backends use."""

from __future__ import annotations

import os
from contextlib import AbstractContextManager

from sqlalchemy import text
from sqlalchemy.engine import make_url

from storage.db import make_engine
from tests.perf.ingest_load import process_cpu
from tests.support.postgres import throwaway_database

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


def database() -> AbstractContextManager[str]:
    """A migrated, empty database, dropped afterwards."""
    return throwaway_database(ADMIN_URL, "leadbot_bench")


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
