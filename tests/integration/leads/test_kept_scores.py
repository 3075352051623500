"""Kept score states in the database: every stored score equals a full re-score, on each backend.

Events go through ``apply_batch`` (the writer's unit of work) at controlled
times; after each batch the lead's stored numbers and reasons must be what
``score_lead`` gives from all its stored activities. Sweeps, rules changes,
erasure and imports are checked the same way.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import event, select

from bot.config.rules import ScoringRules, load_config
from bot.core.scoring import ActivityRecord, score_lead
from bot.leads import kept_scores
from bot.leads.events import parse_events
from bot.leads.forget import forget_lead
from bot.leads.ingest import apply_batch
from bot.leads.qualify import Qualifier
from bot.leads.rescore import build_missing_states, rescore_all
from bot.leads.unit_of_work import UnitOfWork
from storage.lead_import import ImportedLead, upsert_leads
from storage.leads import activities_by_lead, lead_by_email
from storage.models import Lead, LeadScoreState

START = datetime(2026, 3, 1, 12, tzinfo=UTC)
RULES = ScoringRules.model_validate(
    {
        "threshold": {"mql": 1000},
        "fit": [{"label": "VP", "field": "job_title", "regex": "vp", "points": 20}],
        "engagement": [
            {"label": "Demo", "type": "demo_request", "points": 40, "cap": 40,
             "half_life_days": 30},
            {"label": "Pricing", "type": "page_view", "points": 10, "cap": 20,
             "half_life_days": 14, "where": [{"property": "path", "contains": "/pricing"}]},
            {"label": "Visits", "type": "page_view", "points": 1, "cap": 10, "half_life_days": 1},
            {"label": "Newsletter", "type": "newsletter_signup", "points": 3,
             "expires_after_days": 2},
            {"label": "Webinar", "type": "webinar", "points": 5, "half_life_days": 0.5,
             "expires_after_days": 1},
        ],
        "hot": [{"label": "Demo lately", "types": ["demo_request"], "within_days": 1}],
    }
)  # fmt: skip
TYPES = ["page_view", "page_view", "demo_request", "newsletter_signup", "webinar", "other"]


def document(email: str, kind: str, at: datetime, path: str, n: int) -> dict:
    return {
        "type": "lead.activity",
        "id": f"e{n}",
        "lead": {"email": email, "job_title": "VP Sales"},
        "activity": {"type": kind, "occurred_at": at.isoformat(), "properties": {"path": path}},
    }


def ingest(engine, qualifier: Qualifier, documents: list[dict], now: datetime) -> None:
    events = [e for d in documents for e in parse_events(d, delivery_id=d["id"], now=now)]
    with UnitOfWork(engine).begin() as work:
        apply_batch(work, [("generic", e) for e in events], now, qualifier)


def assert_stored_scores_are_full_rescores(engine, rules: ScoringRules, *emails: str) -> int:
    with engine.connect() as conn:
        query = select(Lead.__table__)
        if emails:
            query = query.where(Lead.email.in_(emails))
        leads = conn.execute(query).mappings().all()
        activities = activities_by_lead(conn, [lead["id"] for lead in leads])
    for lead in leads:
        records = [ActivityRecord.from_row(a) for a in activities[lead["id"]]]
        want = score_lead(lead, records, rules, lead["scored_at"])
        got = (lead["fit_score"], lead["engagement_score"], lead["score"], lead["hot"])
        assert got == (want.fit, want.engagement, want.total, want.hot), lead["email"]
        assert lead["score_reasons"] == want.to_reasons()
    return len(leads)


def test_a_random_stream_keeps_every_score_equal_to_a_full_rescore(engine) -> None:
    qualifier = Qualifier(RULES)
    rng = random.Random(7)
    now, n = START, 0
    emails = [f"lead{i}@acme.example" for i in range(4)]
    for _ in range(60):
        now += timedelta(microseconds=rng.choice([1, 10**6, 3_600 * 10**6, 86_400 * 10**6]))
        batch = []
        for _ in range(rng.randrange(1, 5)):
            n += 1
            offset = timedelta(seconds=rng.choice([0, -1, -3_600, -86_400, -200_000, 1_800]))
            at = now + offset + timedelta(microseconds=rng.randrange(10**6))
            batch.append(document(rng.choice(emails), rng.choice(TYPES), at,
                                  rng.choice(["/pricing", "/blog"]), n))  # fmt: skip
        ingest(engine, qualifier, batch, now)
        assert_stored_scores_are_full_rescores(engine, RULES)
    for days in (1, 3, 30):
        rescore_all(UnitOfWork(engine), qualifier, now + timedelta(days=days))
        assert_stored_scores_are_full_rescores(engine, RULES)


def test_the_ingest_transaction_never_reads_a_whole_history(engine) -> None:
    """Statements on activities are ranges, seeks or lookups by event, never a lead's all."""
    qualifier = Qualifier(load_config(None).scoring)
    email = "busy@acme.example"
    history = [document(email, "page_view", START - timedelta(minutes=i), "/blog", i)
               for i in range(300)]  # fmt: skip
    ingest(engine, qualifier, history, START)
    seen: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany) -> None:
        if " activity" in statement and statement.lstrip().upper().startswith("SELECT"):
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        now = START + timedelta(hours=1)
        ingest(engine, qualifier, [document(email, "demo_request", now, "/", 1000)], now)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    # the activity dated exactly at the first batch's time stops being "now": one range
    bounded = ("occurred_at >= ", "occurred_at < ", "LIMIT")
    assert seen and all(any(b in statement for b in bounded) for statement in seen), seen
    assert_stored_scores_are_full_rescores(engine, load_config(None).scoring)


def test_rules_change_and_missing_states_are_built_off_the_ingest_path(engine) -> None:
    qualifier = Qualifier(RULES)
    docs = [document(f"l{i}@acme.example", "page_view", START, "/pricing", i) for i in range(3)]
    ingest(engine, qualifier, docs, START)
    with engine.begin() as conn:
        conn.execute(LeadScoreState.__table__.delete())
    assert build_missing_states(UnitOfWork(engine), qualifier, START) == 3
    assert build_missing_states(UnitOfWork(engine), qualifier, START) == 0
    other = Qualifier(load_config(None).scoring)
    assert build_missing_states(UnitOfWork(engine), other, START) == 3  # another fingerprint
    later = START + timedelta(days=2)
    ingest(engine, other, [document("l0@acme.example", "demo_request", later, "/", 9)], later)
    assert_stored_scores_are_full_rescores(engine, load_config(None).scoring, "l0@acme.example")


def test_erasure_drops_the_state_so_filters_see_the_erased_properties(engine) -> None:
    qualifier = Qualifier(RULES)
    email = "gone@acme.example"
    ingest(engine, qualifier, [document(email, "page_view", START, "/pricing", 1)], START)
    with UnitOfWork(engine).begin() as work:
        lead = lead_by_email(work.conn, email)
        assert lead is not None
        forget_lead(work, lead, now=START)
        assert work.conn.execute(select(LeadScoreState.__table__)).first() is None
    later = START + timedelta(hours=1)
    assert rescore_all(UnitOfWork(engine), qualifier, later) == (1, 0)
    assert assert_stored_scores_are_full_rescores(engine, RULES) == 1
    with engine.connect() as conn:
        reasons = conn.execute(select(Lead.score_reasons)).scalar_one()
    assert "Pricing" not in {r["label"] for r in reasons}


@pytest.mark.parametrize("moved_on", [False, True])
def test_a_sweep_never_overwrites_a_state_an_event_moved_on(engine, monkeypatch, moved_on) -> None:
    qualifier = Qualifier(RULES)
    ingest(engine, qualifier, [document("race@acme.example", "demo_request", START, "/", 1)], START)
    scored = kept_scores.score

    fired: list[bool] = []

    def meanwhile_an_event(*args, **kwargs):
        if moved_on and not fired:  # an event lands between the sweep's read and its write
            fired.append(True)
            event_at = START + timedelta(hours=1)
            other = [document("race@acme.example", "page_view", event_at, "/", 2)]
            ingest(engine, qualifier, other, event_at)
        return scored(*args, **kwargs)

    monkeypatch.setattr(kept_scores, "score", meanwhile_an_event)
    later = START + timedelta(days=40)
    assert rescore_all(UnitOfWork(engine), qualifier, later) == (0 if moved_on else 1, 0)
    with engine.connect() as conn:
        scored_at = conn.execute(select(Lead.scored_at)).scalar_one()
    assert scored_at == (START + timedelta(hours=1) if moved_on else later)
    # the state kept is the event's (both activities), not the sweep's (one)
    now = later + timedelta(days=1)
    ingest(engine, qualifier, [document("race@acme.example", "webinar", now, "/", 3)], now)
    assert_stored_scores_are_full_rescores(engine, RULES)


def test_an_import_that_replaces_activities_drops_the_state(engine) -> None:
    qualifier = Qualifier(RULES)
    email = "imported@acme.example"
    ingest(engine, qualifier, [document(email, "page_view", START, "/blog", 1)], START)
    imported = ImportedLead(email, {}, {}, {"page_view": 4, "webinar": 1}, START)
    with engine.begin() as conn:
        upsert_leads(conn, [imported], now=START)
        assert conn.execute(select(LeadScoreState.__table__)).first() is None
    later = START + timedelta(hours=3)
    ingest(engine, qualifier, [document(email, "demo_request", later, "/", 2)], later)
    assert_stored_scores_are_full_rescores(engine, RULES)
