"""Lead profiles several tests score."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from storage.leads import load_lead
from storage.models import Lead
from storage.rows import LEAD_COLUMNS, LeadRow

#: a VP at a mid-size German company: fit enough for the packaged rules' MQL threshold
SENIOR_BUYER: dict[str, Any] = {
    "email": "vp@initech.com",
    "job_title": "VP Engineering",
    "company": "Initech",
    "company_size": 300,
    "country": "DE",
    "attributes": {},
}


def a_lead(**changes: Any) -> LeadRow:
    """A stored lead as the database would hand it out: an MQL of Jane at Acme."""
    now = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
    row: dict[str, Any] = {name: None for name in LEAD_COLUMNS}
    row.update(
        id=7, email="jane@acme.example", first_name="Jane", last_name="Doe", company="Acme",
        utm={}, attributes={}, stage="mql", fit_score=45, engagement_score=40, score=85,
        hot=False, score_reasons=[], first_seen_at=now, updated_at=now, mql_at=now,
        stage_changed_at=now, scored_at=now, version=2,
    )  # fmt: skip
    return replace(LeadRow.from_mapping(row), **changes)


def store_lead(engine: Engine, **changes: Any) -> LeadRow:
    """A lead written to the database as ``a_lead(**changes)`` describes it (its id is new)."""
    values = {k: v for k, v in asdict(a_lead(**changes)).items() if k != "id"}
    with engine.begin() as conn:
        lead_id = conn.execute(insert(Lead.__table__).returning(Lead.id), values).scalar_one()
    stored = load_lead_by_id(engine, lead_id)
    assert stored is not None
    return stored


def load_lead_by_id(engine: Engine, lead_id: int) -> LeadRow | None:
    with engine.connect() as conn:
        return load_lead(conn, lead_id)
