"""``leadbot rules insights``: which scoring criteria sales' decisions agree with."""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.cli.common import engine_or_exit, parse_since, settings_or_exit
from bot.core.insights import MIN_LEADS, InsightReport, Verdict


class OutcomeChoice(StrEnum):
    accepted = "accepted"
    won = "won"


_STYLES = {Verdict.OVER: "red", Verdict.UNDER: "yellow", Verdict.CONFIRMED: "green"}


def _percent(value: float) -> str:
    return f"{value:.0%}"


def _table(report: InsightReport) -> Table:
    outcome = report.outcome
    table = Table(title=f"Scoring criteria vs leads {outcome}")
    for column, justify in (
        ("criterion", "left"),
        ("kind", "left"),
        ("points", "right"),
        ("leads", "right"),
        (outcome, "right"),
        ("rate (95 % CI)", "right"),
        ("lift (95 % CI)", "right"),
        ("verdict", "left"),
    ):
        table.add_column(column, justify=justify)  # type: ignore[arg-type]
    for c in report.criteria:
        low, high = c.rate.interval
        lift = "–"
        if c.lift is not None and c.lift_interval is not None:
            lift = f"{c.lift:.2f} ({c.lift_interval[0]:.2f}–{c.lift_interval[1]:.2f})"
        style = _STYLES.get(c.verdict)
        verdict = f"[{style}]{c.verdict.value}[/{style}]" if style else c.verdict.value
        table.add_row(
            escape(c.label),
            c.kind,
            f"{c.points:+.0f}",
            str(c.rate.trials),
            str(c.rate.successes),
            f"{_percent(c.rate.value)} ({_percent(low)}–{_percent(high)})",
            lift,
            verdict,
        )
    return table


def insights_command(
    outcome: Annotated[
        OutcomeChoice, typer.Option(help="Judge criteria by sales accepting leads, or by wins.")
    ] = OutcomeChoice.accepted,
    since: Annotated[
        str, typer.Option(help="Leads decided within this window: 12h, 30d, 2w")
    ] = "90d",
    min_leads: Annotated[
        int, typer.Option(min=1, help="Never flag a criterion matched by fewer leads.")
    ] = MIN_LEADS,
) -> None:
    """Show how often leads matching each criterion were accepted or won, against all leads.

    Lift is a criterion's rate over the base rate, with a 95 % Wilson
    interval; criteria whose points the outcomes contradict are flagged.
    """
    from bot.history.insights import load_insights

    window = parse_since(since)
    settings = settings_or_exit(code=1)
    engine = engine_or_exit(settings, code=1)
    try:
        with engine.connect() as conn:
            report = load_insights(
                conn,
                now=datetime.now(UTC),
                outcome=outcome.value,
                window=window,
                min_leads=min_leads,
            )
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
