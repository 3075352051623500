"""``leadbot import``, ``calibrate`` and ``evaluate``: learning the rules from history.

The commands are thin: they read settings and files, call ``bot.history.importer``,
``bot.history.calibrate`` and ``bot.history.evaluate``, and print what those return. Progress
and errors go to stderr so ``--json`` output can be piped.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from bot.cli.common import config_or_exit, engine_or_exit, err, fail, settings_or_exit
from bot.config.rules import LeadbotConfig, ScoringRules
from bot.core.conditions import describe_rule
from bot.history.evaluate import Metrics, evaluate_rules
from bot.history.records import record_from_stored, records_from_csv
from bot.history.split import split_holdout
from bot.history.importer import ImportReport, count_lines, import_leads
from bot.history.mapping import MappingError, load_mapping

console = Console()

#: how many skipped rows are listed before "… and N more"
SHOWN_ERRORS = 20


class Outcome(StrEnum):
    converted = "converted"
    accepted = "accepted"
    won = "won"


def _rules(path: Path | None) -> LeadbotConfig:
    """The rules at ``path``, else the ones the server runs (LEADBOT_CONFIG or the default)."""
    return config_or_exit(path if path is not None else settings_or_exit().config_path)


MappingOption = Annotated[Path, typer.Option("--mapping", help="Column mapping (YAML).")]
RulesOption = Annotated[
    Path | None, typer.Option(help="Rules file [default: LEADBOT_CONFIG, else the packaged rules].")
]
HoldoutOption = Annotated[
    float,
    typer.Option(
        min=0.0, max=0.9, help="Share of each outcome held out by the SHA-256 split rule (0: none)."
    ),
]
SaltOption = Annotated[
    str, typer.Option(help="Prefix hashed with each identity: another draw of the same split.")
]


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CRM export (CSV).")],
    mapping: MappingOption,
) -> None:
    """Import historical leads from a CSV; re-importing updates them. No Slack messages."""
    try:
        lead_mapping = load_mapping(mapping)
    except MappingError as exc:
        fail(exc.problems)
    engine = engine_or_exit(settings_or_exit())
    columns = [TextColumn("importing"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn()]
    with Progress(*columns, console=err, transient=True) as progress:
        task = progress.add_task("import", total=max(count_lines(file) - 1, 0))
        try:
            report = import_leads(file, lead_mapping, engine, on_row=lambda: progress.advance(task))
        except MappingError as exc:
            fail(exc.problems)
    _print_import(file, report)
    if report.errors:
        raise typer.Exit(1)


def _print_import(file: Path, report: ImportReport) -> None:
    if report.unknown_columns:
        err.print(
            f"[yellow]warning:[/yellow] columns not in the mapping, not imported: "
            f"{', '.join(report.unknown_columns)}",
            highlight=False,
        )
    for message, count in sorted(report.warnings.items()):
        err.print(f"[yellow]warning:[/yellow] {message} ({count}×)", highlight=False)
    for line, problem in report.errors[:SHOWN_ERRORS]:
        err.print(f"[red]skipped[/red] line {line}: {problem}", highlight=False)
    if len(report.errors) > SHOWN_ERRORS:
        err.print(f"… and {len(report.errors) - SHOWN_ERRORS} more skipped rows")
    console.print(
        f"{file.name} ({report.encoding}): {report.rows} rows, {report.inserted} new leads, "
        f"{report.updated} updated, {len(report.errors)} skipped",
        highlight=False,
    )


def calibrate_command(
    outcome: Annotated[Outcome, typer.Option(help="The outcome to predict.")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="Where to write the rules file.")],
    target_recall: Annotated[
        float | None,
        typer.Option(min=0.01, max=1.0, help="Lowest threshold share of outcomes to catch [0.8]."),
    ] = None,
    capacity: Annotated[
        int | None,
        typer.Option(min=1, help="How many of these leads sales can work (instead of a recall)."),
    ] = None,
    holdout: HoldoutOption = 0.0,
    holdout_salt: SaltOption = "",
    pdo: Annotated[float, typer.Option(min=1, help="Points that double the odds.")] = 20,
    rules: RulesOption = None,
) -> None:
    """Learn fit points and the MQL threshold from stored leads with a known outcome."""
    from bot.history.calibrate import CalibrationError, calibrate
    from storage.lead_import import labelled_leads

    if target_recall is not None and capacity is not None:
        fail(["give --target-recall or --capacity, not both"])
    current = _rules(rules)
    with engine_or_exit(settings_or_exit()).connect() as conn:
        records = [record_from_stored(lead) for lead in labelled_leads(conn, outcome.value)]
    if not records:
        fail([f"no stored lead has a known {outcome.value} outcome; run `leadbot import` first"])
    try:
        result = calibrate(
            records,
            current,
            datetime.now(UTC),
            target_recall=target_recall or 0.8,
            capacity=capacity,
            holdout=holdout,
            salt=holdout_salt,
            pdo=pdo,
        )
    except CalibrationError as exc:
        fail([str(exc)])
    card = result.scorecard
    header = (
        f"Calibrated by `leadbot calibrate --outcome {outcome.value}` on "
        f"{datetime.now(UTC):%Y-%m-%d} from {result.train.leads} leads "
        f"({result.train.positives} {outcome.value}).\n"
        f"Fit points: {pdo:g} points double the odds of the outcome; each field's "
        f"least promising value scores 0; a rule with all: adjusts a combination of two\n"
        f"fields (L2 logistic regression, C={card.regularisation:g}, {card.pairs} field pairs).\n"
    )
    if result.holdout is not None:
        header += f"Held out {result.holdout.leads} leads: ROC AUC {result.holdout.roc_auc:.3f}.\n"
    out.write_text(
        "".join(f"# {line}\n" for line in header.splitlines()) + result.text, encoding="utf-8"
    )
    _print_points(result.config.scoring)
    rows = [("training", result.train)]
    if result.holdout is not None:
        rows.append(("held out", result.holdout))
    rows.append(
        ("current rules, " + ("held out" if result.holdout else "training"), result.current)
    )
    console.print(_metrics_table(rows))
    for line in rules_diff(current.scoring, result.config.scoring):
        console.print(line, highlight=False)
    for line in result.dropped:
        console.print(f"dropped disqualify rule {line}", highlight=False)
    console.print(f"wrote {out}", highlight=False)


def _print_points(rules: ScoringRules) -> None:
    table = Table(title="fit points", title_justify="left")
    table.add_column("rule")
    table.add_column("condition")
    table.add_column("points", justify="right")
    for rule in rules.fit:
        table.add_row(rule.label, describe_rule(rule), f"{rule.points:+d}")
    console.print(table)


def _metrics_table(rows: list[tuple[str, Metrics]]) -> Table:
    table = Table(title_justify="left")
    for name in ("leads", "ROC AUC", "threshold", "precision", "recall", "F1", "flagged"):
        table.add_column(name, justify="right")
    for name, m in rows:
        table.add_row(
            f"{name}: {m.leads}",
            f"{m.roc_auc:.3f}",
            f"{m.threshold}",
            f"{m.precision:.3f}",
            f"{m.recall:.3f}",
            f"{m.f1:.3f}",
            f"{m.share_flagged:.1%}",
        )
    return table


def rules_diff(old: ScoringRules, new: ScoringRules) -> list[str]:
    """What changed between two rules files; new fit rules are counted (the table lists them)."""
    lines = []
    if old.threshold != new.threshold:
        lines.append(f"threshold: {_threshold(old)} → {_threshold(new)}")
    old_fit = {r.label: r.points for r in old.fit}
    new_fit = {r.label: r.points for r in new.fit}
    for label, points in old_fit.items():
        if label not in new_fit:
            lines.append(f"- fit {label} ({points:+d})")
        elif new_fit[label] != points:
            lines.append(f"~ fit {label}: {points:+d} → {new_fit[label]:+d}")
    added = [label for label in new_fit if label not in old_fit]
    if added:
        lines.append(f"+ {len(added)} new fit rules (in the points table)")
    kept = {r.label for r in new.disqualify}
    lines += [f"- disqualify {r.label}" for r in old.disqualify if r.label not in kept]
    return lines


def _threshold(rules: ScoringRules) -> str:
    t = rules.threshold
    floors = [
        f"{axis} ≥ {value}"
        for axis, value in (("fit", t.min_fit), ("engagement", t.min_engagement))
        if value is not None
    ]
    return f"total ≥ {t.mql}" + (f" ({', '.join(floors)})" if floors else "")


def evaluate_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Labelled CSV.")],
    mapping: MappingOption,
    rules: RulesOption = None,
    holdout: HoldoutOption = 0.0,
    holdout_salt: SaltOption = "",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Score a labelled CSV with a rules file: ROC AUC, and precision/recall at its threshold."""
    config = _rules(rules)
    try:
        records, report = records_from_csv(file, load_mapping(mapping), datetime.now(UTC))
    except MappingError as exc:
        fail(exc.problems)
    if holdout:
        records = split_holdout(records, holdout, salt=holdout_salt)[1]
    metrics = evaluate_rules(records, config, datetime.now(UTC))
    for line, problem in report.errors[:SHOWN_ERRORS]:
        err.print(f"[red]skipped[/red] line {line}: {problem}", highlight=False)
    if as_json:
        print(json.dumps({**metrics.as_dict(), "skipped_rows": len(report.errors)}, indent=2))
    else:
        console.print(_metrics_table([(file.name, metrics)]))


def register(app: typer.Typer) -> None:
    """Mount the commands on the ``leadbot`` app."""
    app.command("import")(import_command)
    app.command("calibrate")(calibrate_command)
    app.command("evaluate")(evaluate_command)
