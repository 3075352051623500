"""Engine and session set-up, with the SQLite pragmas durability and concurrency need."""

from __future__ import annotations

from typing import Any

import orjson
from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool
from sqlmodel import create_engine

#: how long a SQLite writer waits for the lock before giving up (ms)
SQLITE_BUSY_TIMEOUT_MS = 10_000
#: SQLSTATEs of a transaction PostgreSQL aborted to settle a conflict (serialization
#: failure, deadlock): the same transaction run again succeeds
CONFLICT_SQLSTATES = frozenset({"40001", "40P01"})


def is_conflict_abort(exc: BaseException) -> bool:
    """Whether ``exc`` is PostgreSQL aborting a transaction that may simply be run again."""
    return isinstance(exc, DBAPIError) and getattr(exc.orig, "sqlstate", None) in (
        CONFLICT_SQLSTATES
    )


def failure_summary(exc: BaseException) -> str:
    """What failed, without the statement's values or the server's detail (which hold
    personal data): the exception's type and, from a database, its SQLSTATE."""
    sqlstate = getattr(getattr(exc, "orig", None), "sqlstate", None)
    return f"{type(exc).__name__}" + (f" (SQLSTATE {sqlstate})" if sqlstate else "")


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    # WAL lets readers run beside the single writer; NORMAL sync is durable in
    # WAL mode against process crashes (a power cut may lose the last commits);
    # foreign keys are off by default in SQLite.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value).decode()


def make_engine(url: str, *, pool: bool = True, **kwargs: Any) -> Engine:
    """Create the engine for ``url``.

    SQLite connections get the pragmas on every connect and are allowed to be
    used from the writer thread that opened them; PostgreSQL gets a pre-pinged
    pool so a restarted server does not surface as errors. JSON columns use
    orjson: the ingest path encodes and decodes several documents per event.
    Statement parameters never appear in errors: they hold leads' personal data.
    """
    kwargs.setdefault("hide_parameters", True)
    kwargs.setdefault("json_serializer", _json_dumps)
    kwargs.setdefault("json_deserializer", orjson.loads)
    if is_sqlite(url):
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_MS / 1000},
            **({} if pool else {"poolclass": NullPool}),
            **kwargs,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if not pool:
        kwargs["poolclass"] = NullPool
    else:
        kwargs.setdefault("pool_size", 10)
        kwargs.setdefault("max_overflow", 10)
    return create_engine(url, pool_pre_ping=True, **kwargs)
