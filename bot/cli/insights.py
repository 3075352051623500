"""``leadbot rules insights``: which scoring criteria sales' decisions agree with.

And, when sales answers qualification questions at Accept, which answers went
with won deals.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.cli.common import engine_or_exit, parse_since, settings_or_exit

if TYPE_CHECKING:
    from bot.core.answer_insights import AnswerReport

from bot.core.insights import MIN_LEADS, InsightReport, Rate, Verdict


class OutcomeChoice(StrEnum):
    accepted = "accepted"
    won = "won"


_STYLES = {Verdict.OVER: "red", Verdict.UNDER: "yellow", Verdict.CONFIRMED: "green"}
#: by ``AnswerVerdict`` value (the enum stays unimported until a command runs)
_ANSWER_STYLES = {"predicts a win": "green", "predicts a loss": "red"}


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _styled(verdict: str, style: str | None) -> str:
    return f"[{style}]{verdict}[/{style}]" if style else verdict


def _rate_cells(rate: Rate, lift: float | None, interval: tuple[float, float] | None) -> list[str]:
    """Rate and lift, each with its 95 % interval."""
    low, high = rate.interval
    shown = (
        "–"
        if lift is None or interval is None
        else f"{lift:.2f} ({interval[0]:.2f}–{interval[1]:.2f})"
    )
    return [f"{_percent(rate.value)} ({_percent(low)}–{_percent(high)})", shown]


def _with_columns(title: str, left: tuple[str, ...], right: tuple[str, ...]) -> Table:
    """A table whose ``left`` columns are text, then ``right`` counts, rate, lift and verdict."""
    table = Table(title=title)
    for column in left:
        table.add_column(column)
    for column in (*right, "rate (95 % CI)", "lift (95 % CI)"):
        table.add_column(column, justify="right")
    table.add_column("verdict")
    return table


def _table(report: InsightReport) -> Table:
    outcome = report.outcome
    table = _with_columns(
        f"Scoring criteria vs leads {outcome}", ("criterion", "kind"), ("points", "leads", outcome)
    )
    for c in report.criteria:
        table.add_row(
            escape(c.label),
            c.kind,
            f"{c.points:+.0f}",
            str(c.rate.trials),
            str(c.rate.successes),
            *_rate_cells(c.rate, c.lift, c.lift_interval),
            _styled(c.verdict.value, _STYLES.get(c.verdict)),
        )
    return table


def _answers_table(report: AnswerReport) -> Table:
    table = _with_columns(
        "Qualification answers vs deals won", ("question", "answer"), ("closed deals", "won")
    )
    for a in report.answers:
        table.add_row(
            escape(a.label),
            escape(a.answer),
            str(a.rate.trials),
            str(a.rate.successes),
            *_rate_cells(a.rate, a.lift, a.lift_interval),
            _styled(a.verdict.value, _ANSWER_STYLES.get(a.verdict.value)),
        )
    return table


def _print_answers(console: Console, report: AnswerReport, since: str, min_leads: int) -> None:
    """The qualification answers' part of the report (nothing when no lead was answered)."""
    if not report.answered:
        return
    base = report.base
    if not base.trials:
        console.print(
            f"{report.answered} accepted lead(s) in the last {since} had qualification answers; "
            "none of their deals is closed yet, so no answer can be judged.",
            highlight=False,
        )
        return
    console.print(
        f"Qualification answers: {base.successes} of {base.trials} closed deals among leads "
        f"answered in the last {since} were won ({_percent(base.value)})",
        highlight=False,
    )
    console.print(_answers_table(report))
    for answer in report.predictive:
        console.print(f"• {escape(answer.summary(base))}", highlight=False)
    if not report.predictive:
        console.print(
            f"No answer predicts the deal yet (answers need {min_leads} closed deals and a "
            "lift interval that excludes 1).",
            highlight=False,
        )


def insights_command(
    outcome: Annotated[
        OutcomeChoice, typer.Option(help="Judge criteria by sales accepting leads, or by wins.")
    ] = OutcomeChoice.accepted,
    since: Annotated[
        str, typer.Option(help="Leads decided within this window: 12h, 30d, 2w")
    ] = "90d",
    min_leads: Annotated[
        int, typer.Option(min=1, help="Never flag a criterion or an answer of fewer leads.")
    ] = MIN_LEADS,
) -> None:
    """Show how often leads matching each criterion were accepted or won, against all leads.

    Lift is a criterion's rate over the base rate, with a 95 % Wilson
    interval; criteria whose points the outcomes contradict are flagged.
    Answers to the qualification questions asked at Accept are judged the
    same way against won deals: those that predict a win or a loss are named.
    """
    from bot.history.insights import load_answer_insights, load_insights

    window = parse_since(since)
    settings = settings_or_exit(code=1)
    engine = engine_or_exit(settings, code=1)
    try:
        with engine.connect() as conn:
            now = datetime.now(UTC)
            report = load_insights(
                conn, now=now, outcome=outcome.value, window=window, min_leads=min_leads
            )
            answers = load_answer_insights(conn, now=now, window=window, min_leads=min_leads)
    finally:
        engine.dispose()
    console = Console(soft_wrap=True)
    base = report.base
    if not base.trials:
        console.print(f"No leads decided in the last {since}: nothing to learn from yet.")
        return
    console.print(
        f"Base rate: {base.successes} of {base.trials} leads decided in the last {since} "
        f"{outcome.value} ({_percent(base.value)})",
        highlight=False,
    )
    console.print(_table(report))
    flagged = [c for c in report.criteria if c.verdict in (Verdict.OVER, Verdict.UNDER)]
    for criterion in flagged:
        console.print(f"• {escape(criterion.summary(outcome.value, base))}", highlight=False)
    if not flagged:
        console.print(
            f"No criterion is flagged (criteria need {min_leads} leads and a lift interval "
            "that excludes 1).",
            highlight=False,
        )
    _print_answers(console, answers, since, min_leads)
