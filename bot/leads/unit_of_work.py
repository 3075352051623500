"""One transaction in which lead changes run every feature's effects, then delivery wakes.

Everything that changes leads (the ingest writer, Slack clicks, slash
commands, scheduled sweeps, the CLI) opens its transaction here::

    with services.work.begin() as work:
        change_stage(work, lead, plan)

``work`` carries the connection and the effects, so a stage change or an
erasure cannot forget them; leaving the block commits and then, if the
transaction queued outbox work, rings the delivery doorbell, so what the
effects queued goes out at once (most ingest batches queue nothing, and a
ring for nothing made every worker look). An exception rolls everything
back and rings nothing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy.engine import Connection, Engine

from bot.delivery.doorbell import Doorbell
from bot.leads.effects import Effects
from storage.outbox import took_queued


@dataclass(frozen=True)
class Work:
    """An open transaction and the effects its lead changes must run."""

    conn: Connection
    effects: Effects


@dataclass(frozen=True)
class UnitOfWork:
    engine: Engine
    effects: Effects = field(default_factory=Effects)
    doorbell: Doorbell | None = None

    @contextmanager
    def begin(self) -> Iterator[Work]:
        """A transaction: committed when the block ends, then delivery is woken if needed."""
        with self.engine.begin() as conn:
            took_queued(conn)  # a mark left by a transaction that rolled back
            yield Work(conn, self.effects)
            queued = took_queued(conn)
        if queued and self.doorbell is not None:
            self.doorbell.ring()

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection for reads only: nothing to commit, nobody to wake."""
        with self.engine.connect() as conn:
            yield conn
