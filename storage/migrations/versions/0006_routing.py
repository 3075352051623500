"""routing: teams' rotation, who is away, open offers and the routing audit trail

Revision ID: 0006_routing
Revises: 0005_qualification
Create Date: 2026-12-02 16:30:00.000000
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import storage.types

revision: str = "0006_routing"
down_revision: str | None = "0005_qualification"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "routing_away",
        sa.Column("user_id", AutoString(length=64), nullable=False),
        sa.Column("since", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("set_by", AutoString(length=64), nullable=False),
        sa.PrimaryKeyConstraint("user_id"),
    )
    op.create_table(
        "routing_seat",
        sa.Column("team", AutoString(length=64), nullable=False),
        sa.Column("user_id", AutoString(length=64), nullable=False),
        sa.Column("credit", sa.BigInteger(), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team", "user_id"),
    )
    op.create_table(
        "routing_team",
        sa.Column("team", AutoString(length=64), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team"),
    )
    op.create_table(
        "routing_event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("round_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("team", AutoString(length=64), nullable=False),
        sa.Column("user_id", AutoString(length=64), nullable=True),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("actor", AutoString(length=100), nullable=True),
        sa.Column("reason", AutoString(length=300), nullable=True),
        sa.Column("seconds", sa.Float(), nullable=True),
        sa.Column("late", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["lead.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("routing_event", schema=None) as batch_op:
        batch_op.create_index("ix_routing_event_at", ["at"], unique=False)
        batch_op.create_index("ix_routing_event_lead_at", ["lead_id", "at"], unique=False)
        batch_op.create_index("ix_routing_event_user_at", ["user_id", "at"], unique=False)

    op.create_table(
        "routing_offer",
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("round_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("team", AutoString(length=64), nullable=False),
        sa.Column("user_id", AutoString(length=64), nullable=False),
        sa.Column("reason", AutoString(length=32), nullable=False),
        sa.Column("account", AutoString(length=300), nullable=True),
        sa.Column("offered_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("expires_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["lead.id"],
        ),
        sa.PrimaryKeyConstraint("lead_id"),
    )
    with op.batch_alter_table("routing_offer", schema=None) as batch_op:
        batch_op.create_index("ix_routing_offer_expires_at", ["expires_at"], unique=False)
        batch_op.create_index("ix_routing_offer_user_id", ["user_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("routing_offer", schema=None) as batch_op:
        batch_op.drop_index("ix_routing_offer_user_id")
        batch_op.drop_index("ix_routing_offer_expires_at")

    op.drop_table("routing_offer")
    with op.batch_alter_table("routing_event", schema=None) as batch_op:
        batch_op.drop_index("ix_routing_event_user_at")
        batch_op.drop_index("ix_routing_event_lead_at")
        batch_op.drop_index("ix_routing_event_at")

    op.drop_table("routing_event")
    op.drop_table("routing_team")
    op.drop_table("routing_seat")
    op.drop_table("routing_away")
