"""Which qualification answers predict a won deal, from real acceptances and outcome webhooks."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import typer
from typer.testing import CliRunner

from bot.cli.insights import insights_command
from bot.core.answer_insights import AnswerVerdict
from bot.core.lifecycle import Actor, ActorKind
from bot.core.qualification import Answer
from bot.history.insights import load_answer_insights
from bot.leads.decisions import Decision, Result, decide
from storage.enums import Stage
from storage.leads import lead_by_email
from tests.support.webhooks import App, leadbot

PROFILE = {"job_title": "VP Marketing", "company": "Acme", "company_size": 250, "country": "DE"}
#: per budget answer: leads accepted with it, and how many of their deals were won
BUDGETS = {"Confirmed": (20, 16), "No budget yet": (20, 3)}
#: accepted with a confirmed budget, deal still open: not counted
OPEN = 5


def email(budget: str, n: int) -> str:
    return f"{budget.split()[0].lower()}{n}@acme.example"


def accept(app: App, address: str, *answers: Answer) -> None:
    """What submitting the qualification modal does: accept the lead with the answers."""
    with app.services.work.begin() as work:
        lead = lead_by_email(work.conn, address)
        assert lead is not None
        decision = Decision(lead.id, Stage.SQL, Actor(ActorKind.SLACK, "U0ALICE"), answers=answers)
        assert decide(work, decision, app.services.clock())[0] is Result.DECIDED


@pytest.fixture
def answered(db_url: str) -> Iterator[App]:
    """45 leads accepted with a budget answer; 40 of their deals closed through webhooks."""
    counts = {**BUDGETS, "Confirmed": (BUDGETS["Confirmed"][0] + OPEN, BUDGETS["Confirmed"][1])}
    addresses = [(b, email(b, n)) for b, (total, _) in counts.items() for n in range(total)]
    with leadbot(db_url) as app:
        events = [
            {
                "type": "lead.activity",
                "lead": {"email": a, **PROFILE},
                "activity": {"type": "demo_request"},
            }
            for _, a in addresses
        ]
        assert app.post({"events": events}).status_code == 202
        for n, (budget, address) in enumerate(addresses):
            need = "SSO" if n % 2 else "sso"
            accept(
                app,
                address,
                Answer("budget", "Budget", "choice", budget),
                Answer("need", "Need", "text", need),
            )
        outcomes = [
            {
                "type": "lead.outcome",
                "lead": {"email": email(budget, n)},
                "outcome": {"result": "won" if n < won else "lost"},
            }
            for budget, (total, won) in BUDGETS.items()
            for n in range(total)
        ]
        assert app.post({"events": outcomes}).status_code == 202
        yield app


def run_insights(db_url: str, monkeypatch: pytest.MonkeyPatch, *args: str):
    monkeypatch.setenv("LEADBOT_DATABASE_URL", db_url)
    monkeypatch.setenv("COLUMNS", "200")
    cli = typer.Typer()
    cli.command()(insights_command)
    return CliRunner().invoke(cli, list(args))


def test_rules_insights_names_the_answers_that_predict_the_deal(
    answered: App, db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run_insights(db_url, monkeypatch, "--since", "30d")
    assert result.exit_code == 0, result.output
    assert (
        "Qualification answers: 19 of 40 closed deals among leads answered in the last 30d "
        "were won (48%)"
    ) in result.output
    assert "Qualification answers vs deals won" in result.output
    assert (
        "• Budget: Confirmed predicts a win: 16 of 20 closed deals won (80%) vs 48%; lift 1.68"
        in (result.output)
    )
    assert (
        "• Budget: No budget yet predicts a loss: 3 of 20 closed deals won (15%)" in result.output
    )
    with answered.engine.connect() as conn:
        report = load_answer_insights(conn, now=datetime.now(UTC))
    # "SSO" and "sso" are one answer, given to every lead: it tells nothing
    need = [(a.rate.successes, a.rate.trials, a.verdict) for a in report.answers[2:]]
    assert need == [(19, 40, AnswerVerdict.UNCLEAR)]


def test_without_closed_deals_no_answer_is_judged(db_url: str, monkeypatch) -> None:
    with leadbot(db_url) as app:
        event = {"type": "lead.activity", "lead": {"email": "a@acme.example", **PROFILE},
                 "activity": {"type": "demo_request"}}  # fmt: skip
        assert app.post(event).status_code == 202
        accept(app, "a@acme.example", Answer("budget", "Budget", "choice", "Confirmed"))
        result = run_insights(db_url, monkeypatch)
    assert result.exit_code == 0, result.output
    assert "1 accepted lead(s) in the last 90d had qualification answers; none of their deals" in (
        result.output
    )
