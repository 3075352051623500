"""The values of the stage and outbox status columns.

Kept apart from the tables so that code which only names a value (the command
line's ``--status`` choices) does not import SQLAlchemy.
"""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    """Lifecycle stages; the allowed moves between them live in ``bot.core.lifecycle``."""

    NEW = "new"
    MQL = "mql"
    SQL = "sql"
    RECYCLED = "recycled"
    DISQUALIFIED = "disqualified"
    WON = "won"
    LOST = "lost"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    IN_FLIGHT = "in_flight"
    DONE = "done"
    DEAD = "dead"
