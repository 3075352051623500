"""``leadbot rules …`` and ``leadbot init``: write, check, explain and try out rules files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from bot.cli.common import config_or_exit, fail, parse_since, settings_or_exit
from bot.config.rules import ScoringRules, default_rules_text
from bot.config.sources import SourcesConfig
from bot.core.conditions import describe_condition, describe_rule
from bot.core.lifecycle import qualifies
from bot.core.scoring import ActivityRecord, score_lead
from bot.leads.explain import explain_score, stored_score
from storage.db import make_engine
from storage.lead_queries import activities_by_lead, lead_by_email, leads_active_since

rules_app = typer.Typer(help="Check, explain and try out scoring rules.", no_args_is_help=True)

#: rules commands exit with 1 on any error
ERROR = 1


def _table(title: str, *columns: str) -> Table:
    table = Table(title=escape(title))
    for column in columns:
        table.add_column(column, justify="right" if "total" in column else "left")
    return table


def _add(table: Table, *cells: str) -> None:
    """Add a row of plain text: labels and patterns may contain rich's ``[markup]``."""
    table.add_row(*(escape(cell) for cell in cells))


def _summary(rules: ScoringRules) -> Table:
    table = _table("Scoring rules", "section", "label", "condition", "effect")
    for rule in rules.fit:
        _add(table, "fit", rule.label, describe_rule(rule), f"{rule.points:+d}")
    for rule in rules.engagement:
        parts = [rule.type, *(describe_condition(w, w.property) for w in rule.where)]
        if rule.half_life_days:
            parts.append(f"half-life {rule.half_life_days:g}d")
        if rule.expires_after_days:
            parts.append(f"expires {rule.expires_after_days:g}d")
        cap = f" (max {rule.cap})" if rule.cap else ""
        _add(table, "engagement", rule.label, ", ".join(parts), f"+{rule.points} each{cap}")
    for rule in rules.disqualify:
        reason = f"disqualify: {rule.reason}"
        _add(table, "disqualify", rule.label, describe_condition(rule, rule.field), reason)
    for rule in rules.hot:
        parts = [f"{' or '.join(rule.types)} within {rule.within_days:g}d"]
        parts += [describe_condition(w, w.property) for w in rule.where]
        _add(table, "hot", rule.label, ", ".join(parts), "urgent")
    return table


def _threshold_text(rules: ScoringRules) -> str:
    threshold = rules.threshold
    needs = [f"total ≥ {threshold.mql}"]
    if threshold.min_fit is not None:
        needs.append(f"fit ≥ {threshold.min_fit}")
    if threshold.min_engagement is not None:
        needs.append(f"engagement ≥ {threshold.min_engagement}")
    return (
        f"MQL when {' and '.join(needs)}; recycled leads may qualify again "
        f"after {threshold.recycle_cooldown_days:g} days"
    )


def _sources_lines(sources: SourcesConfig) -> list[str]:
    """One line per lead source whose mapping the file overrides."""
    lines = []
    for name in type(sources).model_fields:
        mapping = getattr(sources, name)
        counts = {
            "field mapping": len(mapping.fields),
            "activity rename": len(mapping.activities),
            "form": len(getattr(mapping, "forms", {})),
        }
        parts = [f"{n} {what}{'s' * (n != 1)}" for what, n in counts.items() if n]
        parts += [f"{k} {v}" for k in ("source", "campaign") if (v := getattr(mapping, k))]
        if parts:
            lines.append(f"sources.{name}: {', '.join(parts)}")
    return lines


@rules_app.command("check")
def check(
    file: Annotated[
        Path | None,
        typer.Argument(help="Rules file (default: LEADBOT_CONFIG or the packaged rules)"),
    ] = None,
) -> None:
    """Validate a rules file and summarise what it gives points for."""
    path = file if file is not None else settings_or_exit(ERROR).config_path
    config = config_or_exit(path, ERROR)
    console = Console()
    console.print(_summary(config.scoring))
    console.print(_threshold_text(config.scoring))
    for line in _sources_lines(config.sources):
        console.print(escape(line))
    console.print(
        f"[green]OK[/green]: {escape(str(path or 'the packaged default rules'))} is valid"
    )


@rules_app.command("explain")
def explain(email: Annotated[str, typer.Argument(help="The lead's email address")]) -> None:
    """Show how a lead's stored score was reached, rule by rule."""
    settings = settings_or_exit(ERROR)
    rules = config_or_exit(settings.config_path, ERROR).scoring
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            lead = lead_by_email(conn, email)
            if lead is None:
                fail([f"no lead with email {email.strip().lower()}"], ERROR)
            at = lead["scored_at"] or datetime.now(UTC)
            score = explain_score(conn, lead, rules, at)
    finally:
        engine.dispose()
    console = Console()
    title = f"{lead['email']} · stage {lead['stage']} · scored {at:%Y-%m-%d %H:%M} UTC"
    table = _table(title, "kind", "rule", "detail", "points")
    for c in score.contributions:
        _add(table, c.kind, c.label, c.detail, f"{c.points:+d}" if c.points else "")
    table.add_section()
    _add(
        table,
        "",
        "fit / engagement / total",
        "",
        f"{score.fit} / {score.engagement} / {score.total}",
    )
    console.print(table)
    stored = stored_score(lead)
    if stored != (score.fit, score.engagement, score.total):
        console.print(
            f"[yellow]The stored score is {stored[0]} / {stored[1]} / {stored[2]}[/yellow]: the "
            "rules changed since it was scored; the next re-score updates it."
        )


@rules_app.command("whatif")
def whatif(
    file: Annotated[Path, typer.Argument(help="Candidate rules file")],
    since: Annotated[
        str, typer.Option(help="Leads first seen or active within this window: 12h, 30d, 2w")
    ] = "30d",
) -> None:
    """Re-score recent leads under candidate rules, in memory, against the current rules."""
    window = parse_since(since)
    candidate = config_or_exit(file, ERROR).scoring
    settings = settings_or_exit(ERROR)
    current = config_or_exit(settings.config_path, ERROR).scoring
    now = datetime.now(UTC)
    engine = make_engine(settings.database_url)
    try:
        with engine.connect() as conn:
            leads = leads_active_since(conn, now - window)
            activities = activities_by_lead(conn, [lead["id"] for lead in leads])
    finally:
        engine.dispose()
    gained: list[tuple[str, int, int]] = []
    lost: list[tuple[str, int, int]] = []
    for lead in leads:
        records = [ActivityRecord.from_row(a) for a in activities[lead["id"]]]
        before = score_lead(lead, records, current, now)
        after = score_lead(lead, records, candidate, now)
        row = (lead["email"], before.total, after.total)
        if qualifies(after, candidate) and not qualifies(before, current):
            gained.append(row)
        elif qualifies(before, current) and not qualifies(after, candidate):
            lost.append(row)
    console = Console()
    console.print(f"{len(leads)} leads seen or active in the last {since}; nothing was written.")
    console.print(f"MQLs gained: {len(gained)}   MQLs lost: {len(lost)}")
    for title, rows in (("gained", gained), ("lost", lost)):
        if rows:
            table = _table(f"MQLs {title}", "email", "current total", "candidate total")
            for email, before_total, after_total in rows:
                _add(table, email, str(before_total), str(after_total))
            console.print(table)


def init_command(
    path: Annotated[Path, typer.Argument(help="Where to write the rules file")] = Path(
        "leadbot.yaml"
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file")] = False,
) -> None:
    """Write the commented default rules file, to edit and point LEADBOT_CONFIG at."""
    if path.exists() and not force:
        fail([f"{path} already exists; use --force to overwrite it"], ERROR)
    path.write_text(default_rules_text(), encoding="utf-8")
    Console().print(f"Wrote {path}. Point LEADBOT_CONFIG at it: export LEADBOT_CONFIG={path}")
