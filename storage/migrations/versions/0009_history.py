"""history: leads imported from a CSV are marked, so rules changes never announce them

Revision ID: 0009_history
Revises: 0008_sources
Create Date: 2026-12-02 18:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0009_history"
down_revision: str | None = "0008_sources"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lead") as batch:
        batch.add_column(
            sa.Column("imported_at", storage.types.UTCDateTime(timezone=True), nullable=True)
        )
    # a lead no lead source ever sent an event about came from an earlier import
    op.execute(
        "UPDATE lead SET imported_at = first_seen_at "
        "WHERE NOT EXISTS (SELECT 1 FROM event WHERE event.lead_id = lead.id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("lead") as batch:
        batch.drop_column("imported_at")
