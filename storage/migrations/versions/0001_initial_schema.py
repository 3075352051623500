"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23 10:35:10.495668
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlmodel.sql.sqltypes import AutoString

import storage.types

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:

    op.create_table(
        "digest_run",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", AutoString(length=64), nullable=False),
        sa.Column("period", AutoString(length=64), nullable=False),
        sa.Column("claimed_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_by", AutoString(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "period", name="uq_digest_run_channel_period"),
    )
    op.create_table(
        "lead",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("email", AutoString(length=320), nullable=False),
        sa.Column("first_name", AutoString(length=200), nullable=True),
        sa.Column("last_name", AutoString(length=200), nullable=True),
        sa.Column("company", AutoString(length=300), nullable=True),
        sa.Column("job_title", AutoString(length=300), nullable=True),
        sa.Column("country", AutoString(length=2), nullable=True),
        sa.Column("company_size", sa.Integer(), nullable=True),
        sa.Column("industry", AutoString(length=200), nullable=True),
        sa.Column("phone", AutoString(length=32), nullable=True),
        sa.Column("website", AutoString(length=500), nullable=True),
        sa.Column("source", AutoString(length=200), nullable=True),
        sa.Column("campaign", AutoString(length=300), nullable=True),
        sa.Column("utm", storage.types.JSONType, nullable=False),
        sa.Column("attributes", storage.types.JSONType, nullable=False),
        sa.Column("stage", AutoString(length=20), nullable=False),
        sa.Column("fit_score", sa.Integer(), nullable=False),
        sa.Column("engagement_score", sa.Integer(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("hot", sa.Boolean(), nullable=False),
        sa.Column("score_reasons", storage.types.JSONType, nullable=False),
        sa.Column("disqualify_reason", AutoString(length=300), nullable=True),
        sa.Column("owner_id", AutoString(length=64), nullable=True),
        sa.Column("converted", sa.Boolean(), nullable=True),
        sa.Column("deal_amount", sa.Float(), nullable=True),
        sa.Column("deal_currency", AutoString(length=3), nullable=True),
        sa.Column("first_seen_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("scored_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("stage_changed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("mql_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("decided_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("closed_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("erased_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("email"),
    )
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.create_index("ix_lead_first_seen_at", ["first_seen_at"], unique=False)
        batch_op.create_index("ix_lead_owner_stage", ["owner_id", "stage"], unique=False)
        batch_op.create_index(
            "ix_lead_source_first_seen", ["source", "first_seen_at"], unique=False
        )
        batch_op.create_index("ix_lead_stage_mql_at", ["stage", "mql_at"], unique=False)

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("source", AutoString(length=64), nullable=False),
        sa.Column("external_id", AutoString(length=255), nullable=False),
        sa.Column("type", AutoString(length=64), nullable=False),
        sa.Column("received_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("payload", storage.types.JSONType, nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("error", AutoString(length=1000), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["lead.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("source", "external_id", name="uq_event_source_external_id"),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_lead_id"), ["lead_id"], unique=False)
        batch_op.create_index("ix_event_received_at", ["received_at"], unique=False)

    op.create_table(
        "outbox",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", AutoString(length=16), nullable=False),
        sa.Column("target", AutoString(length=300), nullable=False),
        sa.Column("payload", storage.types.JSONType, nullable=False),
        sa.Column("dedupe_key", AutoString(length=255), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("status", AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("next_attempt_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("claimed_until", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", AutoString(length=2000), nullable=True),
        sa.Column("result", storage.types.JSONType, nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("done_at", storage.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["lead.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key", name="uq_outbox_dedupe_key"),
    )
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_lead", ["lead_id"], unique=False)
        batch_op.create_index("ix_outbox_status_next", ["status", "next_attempt_at"], unique=False)

    op.create_table(
        "slack_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=True),
        sa.Column("purpose", AutoString(length=32), nullable=False),
        sa.Column("channel", AutoString(length=64), nullable=False),
        sa.Column("ts", AutoString(length=32), nullable=False),
        sa.Column("thread_ts", AutoString(length=32), nullable=True),
        sa.Column("dedupe_key", AutoString(length=255), nullable=False),
        sa.Column("created_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["lead.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("dedupe_key", name="uq_slack_message_dedupe_key"),
    )
    with op.batch_alter_table("slack_message", schema=None) as batch_op:
        batch_op.create_index("ix_slack_message_lead_purpose", ["lead_id", "purpose"], unique=False)

    op.create_table(
        "transition",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("from_stage", AutoString(length=20), nullable=False),
        sa.Column("to_stage", AutoString(length=20), nullable=False),
        sa.Column("actor", AutoString(length=100), nullable=False),
        sa.Column("reason", AutoString(length=300), nullable=True),
        sa.Column("note", AutoString(length=3000), nullable=True),
        sa.Column("at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["lead.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("transition", schema=None) as batch_op:
        batch_op.create_index("ix_transition_lead_at", ["lead_id", "at"], unique=False)
        batch_op.create_index("ix_transition_to_stage_at", ["to_stage", "at"], unique=False)

    op.create_table(
        "activity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("type", AutoString(length=64), nullable=False),
        sa.Column("occurred_at", storage.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("properties", storage.types.JSONType, nullable=False),
        sa.ForeignKeyConstraint(
            ["event_id"],
            ["event.id"],
        ),
        sa.ForeignKeyConstraint(
            ["lead_id"],
            ["lead.id"],
        ),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.create_index("ix_activity_lead_occurred", ["lead_id", "occurred_at"], unique=False)
        batch_op.create_index("ix_activity_occurred_at", ["occurred_at"], unique=False)


def downgrade() -> None:

    with op.batch_alter_table("activity", schema=None) as batch_op:
        batch_op.drop_index("ix_activity_occurred_at")
        batch_op.drop_index("ix_activity_lead_occurred")

    op.drop_table("activity")
    with op.batch_alter_table("transition", schema=None) as batch_op:
        batch_op.drop_index("ix_transition_to_stage_at")
        batch_op.drop_index("ix_transition_lead_at")

    op.drop_table("transition")
    with op.batch_alter_table("slack_message", schema=None) as batch_op:
        batch_op.drop_index("ix_slack_message_lead_purpose")

    op.drop_table("slack_message")
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_status_next")
        batch_op.drop_index("ix_outbox_lead")

    op.drop_table("outbox")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index("ix_event_received_at")
        batch_op.drop_index(batch_op.f("ix_event_lead_id"))

    op.drop_table("event")
    with op.batch_alter_table("lead", schema=None) as batch_op:
        batch_op.drop_index("ix_lead_stage_mql_at")
        batch_op.drop_index("ix_lead_source_first_seen")
        batch_op.drop_index("ix_lead_owner_stage")
        batch_op.drop_index("ix_lead_first_seen_at")

    op.drop_table("lead")
    op.drop_table("digest_run")
