"""score state: what each lead's score needs, kept so an event never re-reads its history

Revision ID: 0007_score_state
Revises: 0006_routing
Create Date: 2026-12-02 16:40:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

revision: str = "0007_score_state"
down_revision: str | None = "0006_routing"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # existing leads get their state built by the start-up pass (or their next event)
    op.create_table(
        "score_state",
        sa.Column("lead_id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("rules", AutoString(length=64), nullable=False),
        sa.Column("state", sa.Text(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"]),
        sa.PrimaryKeyConstraint("lead_id"),
    )
    # one rule's activities of a lead, by time: expiry lines and exact recomputation
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index(
            "ix_activity_lead_type_occurred", ["lead_id", "type", "occurred_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_lead_type_occurred")
    op.drop_table("score_state")
