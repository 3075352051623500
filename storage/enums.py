"""The stage and outbox-status vocabularies, shared by the core, the features and the tables.

Kept free of imports so the pure core (``bot/core``) can name a stage without
pulling in SQLAlchemy.
"""

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
