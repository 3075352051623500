"""Lead profiles several tests score, and a way to store one as ingest would."""

from __future__ import annotations

from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from bot.config.rules import load_config
from bot.core.scoring import ActivityRecord, score_lead
from storage.leads import load_lead
from storage.models import Activity, Lead
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


def store_scored_lead(
    engine: Engine,
    scored_at: datetime,
    *,
    activity: str = "pricing_view",
    age: timedelta = timedelta(days=2),
    **profile: Any,
) -> None:
    """A lead with one ``activity`` ``age`` before ``scored_at``, scored then under the
    packaged rules, as ingest stores it."""
    done = scored_at - age
    score = score_lead(
        profile, [ActivityRecord(activity, done, {})], load_config(None).scoring, scored_at
    )
    with engine.begin() as conn:
        lead_id = conn.execute(
            insert(Lead.__table__).values(
                **{"utm": {}, "attributes": {}, **profile},
                score_reasons=score.to_reasons(),
                fit_score=score.fit,
                engagement_score=score.engagement,
                score=score.total,
                scored_at=scored_at,
                first_seen_at=done,
                updated_at=scored_at,
            )
        ).inserted_primary_key[0]
        conn.execute(
            insert(Activity.__table__).values(
                lead_id=lead_id, type=activity, occurred_at=done, properties={}
            )
        )
