"""lead sources: lead_alias, the sources' own ids for a lead's person

Revision ID: 0008_sources
Revises: 0007_score_state
Create Date: 2026-11-24 09:00:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import storage.types

revision: str = "0008_sources"
down_revision: str | None = "0007_score_state"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "lead_alias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", AutoString(length=64), nullable=False),
        sa.Column("alias", AutoString(length=255), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["lead.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "alias", name="uq_lead_alias_source_alias"),
    )
    with op.batch_alter_table("lead_alias", schema=None) as batch_op:
        batch_op.create_index("ix_lead_alias_lead_id", ["lead_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("lead_alias", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_alias_lead_id")
    op.drop_table("lead_alias")
