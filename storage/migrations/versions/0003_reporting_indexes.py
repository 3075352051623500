"""reporting indexes

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23 11:11:41.801262
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

import storage.types  # noqa: F401  (column types, should a later edit need them)

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.create_index(
            "ix_lead_first_seen_source_campaign",
            ["first_seen_at", "source", "campaign"],
            unique=False,
        )
        batch_op.create_index("ix_lead_stage_hot_mql_at", ["stage", "hot", "mql_at"], unique=False)

    with op.batch_alter_table("transition", schema=None) as batch_op:
        batch_op.create_index(
            "ix_transition_to_stage_at_cover",
            ["to_stage", "at", "lead_id", "from_stage", "reason"],
            unique=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("transition", schema=None) as batch_op:
        batch_op.drop_index("ix_transition_to_stage_at_cover")

    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_stage_hot_mql_at")
        batch_op.drop_index("ix_lead_first_seen_source_campaign")
