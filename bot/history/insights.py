"""Insights read from the database: what the CLI prints and the weekly digest quotes.

Two questions: which scoring criteria sales' decisions agree with, and which
answers to the qualification questions went with won deals.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from itertools import groupby

from sqlalchemy.engine import Connection

from bot.core.answer_insights import AnsweredLead, AnswerReport, analyse_answers
from bot.core.insights import MIN_LEADS, CriterionInsight, InsightReport, Outcome, analyse
from bot.core.qualification import Answer
from storage.insight_queries import decided_leads
from storage.qualification import answered_leads

#: the window insights look back over unless told otherwise
DEFAULT_WINDOW = timedelta(days=90)


def load_insights(
    conn: Connection,
    *,
    now: datetime,
    outcome: Outcome = "accepted",
    window: timedelta | None = DEFAULT_WINDOW,
    min_leads: int = MIN_LEADS,
) -> InsightReport:
    """Insights from leads decided in the ``window`` before ``now`` (all of them when None)."""
    leads = decided_leads(conn, since=None if window is None else now - window)
    return analyse(leads, outcome, min_leads=min_leads)


def load_answer_insights(
    conn: Connection,
    *,
    now: datetime,
    window: timedelta | None = DEFAULT_WINDOW,
    min_leads: int = MIN_LEADS,
) -> AnswerReport:
    """Which qualification answers went with won deals, among leads decided in the ``window``."""
    rows = answered_leads(conn, since=None if window is None else now - window)
    leads = [
        AnsweredLead(tuple(Answer.from_row(row) for row in answers), answers[0]["stage"])
        for answers in (list(group) for _, group in groupby(rows, key=lambda row: row["lead_id"]))
    ]
    return analyse_answers(leads, min_leads=min_leads)


def top_insights(
    conn: Connection, now: datetime, n: int = 3, *, outcome: Outcome = "accepted"
) -> list[str]:
    """Up to ``n`` one-sentence findings for a digest, strongest first; empty without evidence."""
    report = load_insights(conn, now=now, outcome=outcome)
    found: list[CriterionInsight] = report.top(n)
    return [insight.summary(outcome, report.base) for insight in found]
