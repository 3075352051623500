"""``leadbot import``, ``calibrate`` and ``evaluate``: learning the rules from history.

The commands are thin: they read settings and files, call ``bot.history``, and
print what it returns. Progress bars and errors go to stderr, so ``--json``
output can be piped; each command ends with a short summary on stdout.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from bot.cli.common import (
    config_or_exit,
    database_location,
    engine_or_exit,
    err,
    fail,
    settings_or_exit,
)

if TYPE_CHECKING:
    from bot.config.rules import LeadbotConfig
    from bot.history.importer import ImportReport
    from bot.history.progress import Progress as Report

console = Console(soft_wrap=True)

#: how many skipped rows are listed before "… and N more"
SHOWN_ERRORS = 20
#: how many of the largest point changes the terminal shows (the file has them all)
SHOWN_CHANGES = 10


class Outcome(StrEnum):
    converted = "converted"
    accepted = "accepted"
    won = "won"


class SplitRule(StrEnum):
    random = "random"
    time = "time"


def _rules(path: Path | None) -> LeadbotConfig:
    """The rules at ``path``, else the ones the server runs (LEADBOT_CONFIG or the default)."""
    return config_or_exit(path if path is not None else settings_or_exit().config_path)


@contextmanager
def progress_bars() -> Iterator[Report]:
    """A progress report drawing one bar per step on stderr, gone once the work is done."""
    columns = [
        TextColumn("{task.description:<30}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
    ]
    with Progress(*columns, console=err, transient=True) as bars:
        tasks: dict[str, TaskID] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bars.add_task(step, total=total)
            bars.update(tasks[step], completed=done, total=total)

        yield report


MappingOption = Annotated[Path, typer.Option("--mapping", help="Column mapping (YAML).")]
RulesOption = Annotated[
    Path | None,
    typer.Option(help="Rules file.", show_default="LEADBOT_CONFIG, else the packaged rules"),
]
HoldoutOption = Annotated[
    float, typer.Option(min=0.0, max=0.9, help="Share of leads held out to measure on; 0: none.")
]
SplitOption = Annotated[
    SplitRule,
    typer.Option(
        help="Which leads are held out: random (SHA-256 of each identity, per outcome) or "
        "time (the most recent ones)."
    ),
]
SaltOption = Annotated[
    str, typer.Option(help="Prefix hashed with each identity: another draw of the random split.")
]


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="CRM export (CSV).")],
    mapping: MappingOption,
) -> None:
    """Import historical leads from a CSV; re-importing updates them. No Slack messages."""
    from bot.history.importer import count_lines, import_leads
    from bot.history.mapping import MappingError, load_mapping

    try:
        lead_mapping = load_mapping(mapping)
    except MappingError as exc:
        fail(exc.problems)
    settings = settings_or_exit()
    engine = engine_or_exit(settings)
    total = max(count_lines(file) - 1, 0)
    with progress_bars() as report:
        rows = iter(range(1, total + 1))
        try:
            result = import_leads(
                file, lead_mapping, engine, on_row=lambda: report("importing", next(rows), total)
            )
        except MappingError as exc:
            fail(exc.problems)
    _print_import(file, result, database_location(settings))
    if result.errors:
        raise typer.Exit(1)


def _print_import(file: Path, report: ImportReport, where: str) -> None:
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
    console.print(f"Stored in {where}; nothing was sent to Slack.", highlight=False)


def calibrate_command(
    outcome: Annotated[Outcome, typer.Option(help="The outcome to predict.")],
    out: Annotated[Path, typer.Option(dir_okay=False, help="Where to write the rules file.")],
    target_recall: Annotated[
        float | None,
        typer.Option(
            min=0.01,
            max=1.0,
            help="Lowest share of the outcomes the threshold must catch.",
            show_default="0.8",
        ),
    ] = None,
    capacity: Annotated[
        int | None,
        typer.Option(min=1, help="How many of these leads sales can work (instead of a recall)."),
    ] = None,
    holdout: HoldoutOption = 0.0,
    split: SplitOption = SplitRule.random,
    holdout_salt: SaltOption = "",
    pdo: Annotated[float, typer.Option(min=1, help="Points that double the odds.")] = 20,
    rules: RulesOption = None,
) -> None:
    """Learn fit points, the MQL threshold and probabilities from stored outcomes.

    The full rules go to --out; the terminal gets the largest changes and the figures.
    """
    from bot.cli.history_report import (
        calibration_header,
        comparison_table,
        metrics_table,
        point_changes,
        rules_diff,
    )
    from bot.history.calibrate import calibrate
    from bot.history.compare import compare_rules
    from bot.history.fit import CalibrationError
    from bot.history.split import SplitError
    from bot.history.stored import recent_leads, stored_outcomes

    if target_recall is not None and capacity is not None:
        fail(["give --target-recall or --capacity, not both"])
    current = _rules(rules)
    engine = engine_or_exit(settings_or_exit())
    now = datetime.now(UTC)
    with progress_bars() as report:
        report("reading stored outcomes", 0, 1)
        records = stored_outcomes(engine, outcome.value)
        report("reading stored outcomes", 1, 1)
        if not records:
            fail([f"no stored lead has a known {outcome.value} outcome; import history first"])
        try:
            result = calibrate(
                records,
                current,
                now,
                outcome=outcome.value,
                target_recall=target_recall or 0.8,
                capacity=capacity,
                holdout=holdout,
                split=split.value,
                salt=holdout_salt,
                pdo=pdo,
                progress=report,
            )
        except (CalibrationError, SplitError) as exc:
            fail([str(exc)])
        comparison = None
        if result.held_leads:
            comparison = compare_rules(
                result.held_leads,
                recent_leads(engine, now),
                result.config,
                current,
                now,
                progress=report,
            )
    header = calibration_header(result, outcome.value, pdo, split.value, now)
    out.write_text("".join(f"# {line}\n" for line in header) + result.text, encoding="utf-8")
    console.print(
        f"Learnt from {result.train.leads} leads ({result.train.positives} {outcome.value}); "
        f"{len(result.config.scoring.fit)} fit rules.",
        highlight=False,
    )
    console.print(point_changes(current.scoring, result.config.scoring, SHOWN_CHANGES))
    for line in rules_diff(current.scoring, result.config.scoring):
        console.print(line, highlight=False)
    for line in result.dropped:
        console.print(f"dropped disqualify rule {line}", highlight=False)
    rows = [("training", result.train)]
    if result.holdout is not None:
        rows.append((f"held out ({split.value})", result.holdout))
    rows.append(("current, " + ("held out" if result.holdout else "training"), result.current))
    console.print(metrics_table(rows))
    if comparison is not None:
        console.print(comparison_table(comparison))
        verdict = "better beyond noise" if comparison.better else "not better beyond noise"
        console.print(f"Calibrated rules against the current ones: {verdict}", highlight=False)
        for reason in comparison.reasons:
            console.print(f"  - {reason}", highlight=False)
    console.print(
        f"Wrote {out}: every rule, and the probability of the outcome per total. "
        f"Try it before deploying: leadbot rules whatif {out}",
        highlight=False,
    )


def evaluate_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="Labelled CSV.")],
    mapping: MappingOption,
    rules: RulesOption = None,
    holdout: HoldoutOption = 0.0,
    split: SplitOption = SplitRule.random,
    holdout_salt: SaltOption = "",
    as_json: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
) -> None:
    """Score a labelled CSV with a rules file: ROC AUC, precision/recall at its threshold,
    and the Brier score and calibration error of its probabilities (when it has them)."""
    from bot.cli.history_report import metrics_table
    from bot.history.evaluate import evaluate_rules
    from bot.history.mapping import MappingError, load_mapping
    from bot.history.records import records_from_csv
    from bot.history.split import SplitError, split_holdout

    config = _rules(rules)
    now = datetime.now(UTC)
    with progress_bars() as report:
        report("reading the file", 0, 1)
        try:
            records, parsed = records_from_csv(file, load_mapping(mapping), now)
        except MappingError as exc:
            fail(exc.problems)
        report("reading the file", 1, 1)
        if holdout:
            try:
                records = split_holdout(records, holdout, by=split.value, salt=holdout_salt)[1]
            except SplitError as exc:
                fail([str(exc)])
        metrics = evaluate_rules(records, config, now, report)
    for line, problem in parsed.errors[:SHOWN_ERRORS]:
        err.print(f"[red]skipped[/red] line {line}: {problem}", highlight=False)
    if as_json:
        print(json.dumps({**metrics.as_dict(), "skipped_rows": len(parsed.errors)}, indent=2))
        return
    name = file.name + (f", held out ({split.value})" if holdout else "")
    console.print(metrics_table([(name, metrics)]))
    if config.probability is None:
        console.print("These rules have no probability section: points only.", highlight=False)


def register(app: typer.Typer) -> None:
    """Mount the commands on the ``leadbot`` app."""
    app.command("import")(import_command)
    app.command("calibrate")(calibrate_command)
    app.command("evaluate")(evaluate_command)
