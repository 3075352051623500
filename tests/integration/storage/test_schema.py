"""The schema as migrations build it: constraints the rest of the app relies on."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, SQLModel, select

from storage.migrate import head_revision, pending_migration
from storage.models import Event, Lead


def test_migrated_database_is_current(engine) -> None:
    assert head_revision() is not None
    assert pending_migration(engine) is None


def test_migrations_build_exactly_the_models_schema(engine) -> None:
    """Tables, columns and indexes declared on the models all come from a migration."""
    with engine.connect() as conn:
        differences = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert differences == []


def test_empty_database_reports_missing_schema(tmp_path) -> None:
    from storage.db import make_engine

    fresh = make_engine(f"sqlite:///{tmp_path / 'empty.db'}")
    assert pending_migration(fresh) == "the database has no leadbot schema yet"


def test_timestamps_come_back_aware_utc(engine) -> None:
    seen = datetime(2026, 3, 1, 12, 30, tzinfo=UTC)
    with Session(engine) as session:
        session.add(Lead(email="a@example.com", first_seen_at=seen, updated_at=seen))
        session.commit()
        lead = session.exec(select(Lead)).one()
    assert lead.first_seen_at == seen
    assert lead.first_seen_at.tzinfo is not None


def test_event_external_id_is_unique_per_source(engine) -> None:
    with Session(engine) as session:
        session.add(Event(source="generic", external_id="msg_1", type="lead.activity"))
        session.add(Event(source="hubspot", external_id="msg_1", type="lead.activity"))
        session.commit()
        session.add(Event(source="generic", external_id="msg_1", type="lead.activity"))
        with pytest.raises(IntegrityError):
            session.commit()
