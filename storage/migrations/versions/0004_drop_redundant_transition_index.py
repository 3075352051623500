"""drop ix_transition_to_stage_at: the covering index of 0003 starts with the same columns

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23 13:20:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ix_transition_to_stage_at_cover (to_stage, at, …) answers every lookup this
    # one did; keeping both only made each stage change write one more index.
    with op.batch_alter_table("transition", schema=None) as batch_op:
        batch_op.drop_index("ix_transition_to_stage_at")


def downgrade() -> None:
    with op.batch_alter_table("transition", schema=None) as batch_op:
        batch_op.create_index("ix_transition_to_stage_at", ["to_stage", "at"], unique=False)
