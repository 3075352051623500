"""``leadbot rules …`` and ``leadbot init``: write, check, explain and try out rules files."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from bot.cli.common import (
    config_or_exit,
    engine_or_exit,
    fail,
    parse_since,
    settings_or_exit,
)
from bot.core.wording import counted

if TYPE_CHECKING:
    from bot.config.qualification import QualificationConfig
    from bot.config.rules import ScoringRules
    from bot.config.sources import SourcesConfig

rules_app = typer.Typer(help="Check, explain and try out scoring rules.", no_args_is_help=True)

#: rules commands exit with 1 on any error
ERROR = 1
#: leads ``rules whatif`` lists per table unless asked for all
SHOWN_ROWS = 20


def _table(title: str, *columns: str) -> Table:
    table = Table(title=escape(title))
    for column in columns:
        table.add_column(column, justify="right" if "total" in column else "left")
    return table


def _add(table: Table, *cells: str) -> None:
    """Add a row of plain text: labels and patterns may contain rich's ``[markup]``."""
    table.add_row(*(escape(cell) for cell in cells))


def _summary(rules: ScoringRules) -> Table:
    from bot.core.conditions import describe_condition, describe_rule

    table = _table("Scoring rules", "section", "label", "condition", "effect")
    for rule in rules.fit:
        _add(table, "fit", rule.label, describe_rule(rule), f"{rule.points:+d}")
    for engaged in rules.engagement:
        parts = [engaged.type, *(describe_condition(w, w.property) for w in engaged.where)]
        if engaged.half_life_days:
            parts.append(f"half-life {engaged.half_life_days:g}d")
        if engaged.expires_after_days:
            parts.append(f"expires {engaged.expires_after_days:g}d")
        cap = f" (max {engaged.cap})" if engaged.cap else ""
        _add(table, "engagement", engaged.label, ", ".join(parts), f"+{engaged.points} each{cap}")
    for out in rules.disqualify:
        reason = f"disqualify: {out.reason}"
        _add(table, "disqualify", out.label, describe_condition(out, out.field), reason)
    for hot in rules.hot:
        parts = [f"{' or '.join(hot.types)} within {hot.within_days:g}d"]
        parts += [describe_condition(w, w.property) for w in hot.where]
        _add(table, "hot", hot.label, ", ".join(parts), "urgent")
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


def _questions_text(qualification: QualificationConfig) -> str:
    questions = qualification.questions
    if not questions:
        return "Accept takes one click: no qualification questions"
    asked = "; ".join(
        f"{q.label} ({q.kind}{'' if q.required else ', optional'})" for q in questions
    )
    return escape(f"Accept asks {len(questions)} qualification question(s): {asked}")


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
        typer.Argument(help="Rules file.", show_default="LEADBOT_CONFIG, else the packaged rules"),
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
    console.print(_questions_text(config.qualification), highlight=False)
    what = f"{escape(str(path))} is" if path else "the packaged default rules are"
    console.print(f"[green]OK[/green]: {what} valid")


@rules_app.command("explain")
def explain(email: Annotated[str, typer.Argument(help="The lead's email address")]) -> None:
    """Show how a lead's stored score was reached, rule by rule."""
    from bot.core import scoring
    from storage.leads import activities_of, lead_by_email

    settings = settings_or_exit(ERROR)
    rules = config_or_exit(settings.config_path, ERROR).scoring
    engine = engine_or_exit(settings, ERROR)
    try:
        with engine.connect() as conn:
            lead = lead_by_email(conn, email)
            if lead is None:
                fail([f"no lead with email {email.strip().lower()}"], ERROR)
            at = lead.scored_at or datetime.now(UTC)
            score = scoring.explain(lead, activities_of(conn, lead.id), rules, at)
    finally:
        engine.dispose()
    console = Console()
    title = f"{lead.email} · stage {lead.stage} · scored {at:%Y-%m-%d %H:%M} UTC"
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
    stored = (lead.fit_score, lead.engagement_score, lead.score)
    if stored != (score.fit, score.engagement, score.total):
        console.print(
            f"[yellow]The stored score is {stored[0]} / {stored[1]} / {stored[2]}[/yellow]: the "
            "rules changed since it was scored; the next re-score updates it."
        )


@rules_app.command("whatif")
def whatif(
    file: Annotated[Path, typer.Argument(help="Candidate rules file.")],
    since: Annotated[
        str, typer.Option(help="Leads first seen or active within this window: 12h, 30d, 2w.")
    ] = "30d",
    rows: Annotated[
        int, typer.Option(min=0, help="Leads listed per table, largest change first.")
    ] = SHOWN_ROWS,
    show_all: Annotated[bool, typer.Option("--all", help="List every lead that changes.")] = False,
) -> None:
    """Re-score recent leads under candidate rules, in memory, against the current rules."""
    from bot.core.lifecycle import qualifies
    from bot.core.scoring import ActivityRecord, score_lead
    from storage.leads import activities_by_lead, leads_active_since

    window = parse_since(since)
    candidate = config_or_exit(file, ERROR).scoring
    settings = settings_or_exit(ERROR)
    current = config_or_exit(settings.config_path, ERROR).scoring
    now = datetime.now(UTC)
    engine = engine_or_exit(settings, ERROR)
    gained: list[tuple[str, int, int]] = []
    lost: list[tuple[str, int, int]] = []
    with _progress() as progress:
        task = progress.add_task("reading leads", total=None)
        try:
            with engine.connect() as conn:
                leads = leads_active_since(conn, now - window)
                activities = activities_by_lead(conn, [lead.id for lead in leads])
        finally:
            engine.dispose()
        progress.update(task, description="re-scoring", total=len(leads), refresh=True)
        for lead in leads:
            records = [ActivityRecord.from_row(a) for a in activities[lead.id]]
            before = score_lead(lead.as_dict(), records, current, now)
            after = score_lead(lead.as_dict(), records, candidate, now)
            row = (lead.email, before.total, after.total)
            if qualifies(after, candidate) and not qualifies(before, current):
                gained.append(row)
            elif qualifies(before, current) and not qualifies(after, candidate):
                lost.append(row)
            progress.advance(task)
    console = Console()
    seen = counted(len(leads), "lead")
    console.print(f"{seen} seen or active in the last {since}; nothing was written.")
    console.print(f"MQLs gained: {len(gained)}   MQLs lost: {len(lost)}")
    limit = None if show_all else rows
    for title, changed in (("gained", gained), ("lost", lost)):
        if changed:
            changed.sort(key=lambda row: (-abs(row[2] - row[1]), row[0]))
            table = _table(f"MQLs {title}", "email", "current total", "candidate total")
            for email, before_total, after_total in changed[:limit]:
                _add(table, email, str(before_total), str(after_total))
            console.print(table)
            if limit is not None and len(changed) > limit:
                console.print(f"… and {len(changed) - limit:,} more (--all lists every one)")


def _progress() -> Progress:
    """A bar on stderr while leads are read and scored; gone once done.

    Its console is made here, not at import, so it sees the terminal it runs in.
    """
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn()]
    return Progress(*columns, TimeElapsedColumn(), console=Console(stderr=True), transient=True)


def init_command(
    path: Annotated[Path, typer.Argument(help="Where to write the rules file")] = Path(
        "leadbot.yaml"
    ),
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file")] = False,
) -> None:
    """Write the commented default rules file, to edit and point LEADBOT_CONFIG at."""
    from bot.config.rules import default_rules_text

    if path.exists() and not force:
        fail([f"{path} already exists; use --force to overwrite it"], ERROR)
    path.write_text(default_rules_text(), encoding="utf-8")
    Console().print(f"Wrote {path}. Point LEADBOT_CONFIG at it: export LEADBOT_CONFIG={path}")
