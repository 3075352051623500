"""Lead profiles several tests score, and a way to store one as ingest would."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.engine import Engine

from bot.config.rules import load_config
from bot.core.scoring import ActivityRecord, score_lead
from storage.models import Activity, Lead

#: a VP at a mid-size German company: fit enough for the packaged rules' MQL threshold
SENIOR_BUYER: dict[str, Any] = {
    "email": "vp@initech.com",
    "job_title": "VP Engineering",
    "company": "Initech",
    "company_size": 300,
    "country": "DE",
    "attributes": {},
}


def store_lead(
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
