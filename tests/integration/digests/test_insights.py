"""Insights from real decisions and signed ``lead.outcome`` webhooks, with known numbers."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from bot.cli.insights import insights_command
from bot.config.digests import DigestsConfig
from bot.core.insights import InsightReport, Verdict, wilson
from bot.digests.job import build_message, read_digest
from bot.digests.schedule import latest_period
from bot.history.insights import load_insights, top_insights
from tests.support.webhooks import App, leadbot

PROFILE = {"company": "Acme", "company_size": 250, "country": "DE"}
TITLES = {"vp": "VP Marketing", "director": "Director of Marketing"}
#: per title: leads accepted (of 20), and of those, won (the rest are lost)
ACCEPTED = {"vp": 16, "director": 4}
WON = {"vp": 12, "director": 1}


def email(title: str, n: int) -> str:
    return f"{title}{n}@acme.example"


def demo_requests() -> dict:
    return {
        "events": [
            {
                "type": "lead.activity",
                "lead": {"email": email(t, n), "job_title": TITLES[t], **PROFILE},
                "activity": {"type": "demo_request"},
            }
            for t in TITLES
            for n in range(20)
        ]
    }


def outcomes() -> dict:
    return {
        "events": [
            {
                "type": "lead.outcome",
                "lead": {"email": email(t, n)},
                "outcome": {"result": "won" if n < WON[t] else "lost", "amount": 1000},
            }
            for t in TITLES
            for n in range(ACCEPTED[t])
        ]
    }


@pytest.fixture
def decided(db_url):
    """40 MQLs decided in Slack: VPs mostly accepted, directors mostly not."""
    with leadbot(db_url) as app:
        assert app.post(demo_requests()).status_code == 202
        for title in TITLES:
            for n in range(20):
                app.decide(email(title, n), "sql" if n < ACCEPTED[title] else "recycled")
        yield app


def test_acceptance_insights_flag_the_criterion_sales_disagrees_with(decided) -> None:
    report = insights_of(decided, now=datetime.now(UTC))
    assert (report.base.successes, report.base.trials) == (20, 40)
    found = {c.label: c for c in report.criteria}
    vp, director = found["VP or head of department"], found["Director"]
    assert (vp.rate.successes, vp.rate.trials, vp.lift) == (16, 20, pytest.approx(1.6))
    assert vp.verdict is Verdict.CONFIRMED
    assert (director.rate.successes, director.rate.trials) == (4, 20)
    low, high = wilson(4, 20)
    assert director.lift_interval == pytest.approx((low / 0.5, high / 0.5))
    assert director.verdict is Verdict.OVER
    # shared by every lead: no information either way
    assert found["Upper mid-market (200–999)"].lift == pytest.approx(1.0)
    assert found["Upper mid-market (200–999)"].verdict is Verdict.UNCLEAR
    assert found["Asked for a demo or a call this week"].verdict is Verdict.UNSCORED

    [first, second] = top_of(decided, n=2)
    assert first.startswith("Director (+15 points) over-predicts: 4 of 20 matching leads")
    assert second.startswith("VP or head of department (+20 points) confirmed: 16 of 20")


def insights_of(app: App, **options: Any) -> InsightReport:
    with app.engine.connect() as conn:
        return load_insights(conn, **options)


def top_of(app: App, n: int) -> list[str]:
    with app.engine.connect() as conn:
        return top_insights(conn, datetime.now(UTC), n=n)


def test_the_weekly_digest_quotes_the_strongest_findings(decided) -> None:
    config = decided.services.config
    digests = DigestsConfig.model_validate(
        {"schedules": [{"channel": "C0SALES", "edition": "weekly", "at": "08:00"}]}
    )
    (schedule,) = digests.schedules
    now = datetime.now(UTC) + timedelta(days=7)
    period = latest_period(digests, schedule, now)
    with decided.engine.connect() as conn:
        rows = read_digest(conn, config, schedule, period, now)
    assert rows.insights[0].startswith("Director (+15 points) over-predicts")
    message = build_message(rows, config, schedule, period, links={}, now=now)
    text = json.dumps(message.blocks, ensure_ascii=False)
    assert "What sales' decisions say" in text and "Director (+15 points) over-predicts" in text


def test_outcome_webhooks_update_the_won_insights(decided) -> None:
    before = insights_of(decided, now=datetime.now(UTC), outcome="won")
    # deals are open: only the 20 rejected leads have a known result, none won
    assert (before.base.successes, before.base.trials) == (0, 20)
    assert before.top() == []

    assert decided.post(outcomes()).status_code == 202
    after = insights_of(decided, now=datetime.now(UTC), outcome="won")
    assert (after.base.successes, after.base.trials) == (13, 40)
    found = {c.label: c for c in after.criteria}
    vp, director = found["VP or head of department"], found["Director"]
    assert (vp.rate.successes, vp.lift) == (12, pytest.approx(0.6 / 0.325))
    assert (director.rate.successes, director.lift) == (1, pytest.approx(0.05 / 0.325))
    assert (vp.verdict, director.verdict) == (Verdict.CONFIRMED, Verdict.OVER)


def test_rules_insights_prints_the_table(decided, db_url, monkeypatch) -> None:
    monkeypatch.setenv("LEADBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("COLUMNS", "200")
    cli = typer.Typer()
    cli.command()(insights_command)
    result = CliRunner().invoke(cli, ["--outcome", "accepted", "--since", "30d"])
    assert result.exit_code == 0, result.output
    assert "Base rate: 20 of 40 leads decided in the last 30d accepted (50%)" in result.output
    assert "VP or head of department" in result.output
    assert "• Director (+15 points) over-predicts" in result.output
    assert CliRunner().invoke(cli, ["--since", "soon"]).exit_code != 0
