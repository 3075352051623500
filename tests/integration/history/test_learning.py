"""Learning from stored outcomes: the one call a proposal job makes, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import update
from sqlalchemy.engine import Engine

from bot.config.rules import load_config
from bot.history.importer import import_leads
from bot.history.learning import propose_from_database
from bot.history.mapping import load_mapping
from bot.history.stored import recent_leads, stored_outcomes
from bot.history.synthetic import generate_history
from storage.lead_import import lead_table

NOW = datetime.now(UTC)


def stored_history(engine: Engine, tmp_path: Path, rows: int, seed: int) -> None:
    generate_history(rows, seed=seed).write(tmp_path / "h.csv", tmp_path / "m.yaml")
    report = import_leads(tmp_path / "h.csv", load_mapping(tmp_path / "m.yaml"), engine)
    assert not report.errors


def test_outcomes_and_recent_leads_are_read_by_first_seen(engine: Engine, tmp_path: Path) -> None:
    stored_history(engine, tmp_path, 600, seed=1)
    every = stored_outcomes(engine, "converted")
    recent = stored_outcomes(engine, "converted", since=NOW - timedelta(days=90))
    assert 0 < len(recent) < len(every) < 600, "open leads have no outcome"
    assert all(r.at is not None and r.at >= NOW - timedelta(days=90) for r in recent)
    last_month = recent_leads(engine, NOW)
    month_ago = NOW - timedelta(days=30)
    assert last_month and all(lead.at and lead.at >= month_ago for lead in last_month)
    with engine.begin() as conn:  # an outcome-less lead still counts for the what-if
        conn.execute(update(lead_table).values(converted=None))
    assert stored_outcomes(engine, "converted") == []
    assert len(recent_leads(engine, NOW)) == len(last_month)


def test_a_proposal_learns_from_the_past_and_is_judged_on_the_recent_outcomes(
    engine: Engine, tmp_path: Path
) -> None:
    stored_history(engine, tmp_path, 3000, seed=2)
    proposal = propose_from_database(engine, load_config(None), NOW, outcome="converted")
    candidate, comparison = proposal.candidate, proposal.comparison
    newest_trained = max(r.at for r in candidate.training_leads if r.at)
    assert all(r.at and r.at >= newest_trained for r in candidate.held_leads)
    assert comparison.held_out == len(candidate.held_leads)
    assert proposal.better, comparison.reasons
    assert comparison.candidate_auc.low > comparison.current_auc.high
    assert comparison.candidate_weekly_mqls > comparison.current_weekly_mqls == 0
    assert candidate.config.probability is not None


def test_rules_learnt_from_the_same_history_are_not_proposed_again(
    engine: Engine, tmp_path: Path
) -> None:
    stored_history(engine, tmp_path, 3000, seed=3)
    first = propose_from_database(engine, load_config(None), NOW, outcome="converted")
    again = propose_from_database(engine, first.candidate.config, NOW, outcome="converted")
    assert not again.better
    assert "within noise" in again.comparison.reasons[0]
