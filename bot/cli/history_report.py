"""How ``calibrate`` and ``evaluate`` show their results: short tables, and the file's header."""

from __future__ import annotations

from datetime import datetime

from rich import box
from rich.markup import escape
from rich.table import Table

from bot.config.rules import FitRule, ScoringRules
from bot.core.conditions import describe_rule
from bot.history.calibrate import Calibration
from bot.history.compare import AtVolume, Comparison, Interval
from bot.history.evaluate import Metrics

_NONE = "—"


def calibration_header(
    result: Calibration, outcome: str, pdo: float, split: str, now: datetime
) -> list[str]:
    """The comment lines that open a calibrated rules file: how it was made, what it scored."""
    card = result.scorecard
    lines = [
        f"Calibrated by `leadbot calibrate --outcome {outcome}` on {now:%Y-%m-%d} from "
        f"{result.train.leads} leads ({result.train.positives} {outcome}).",
        f"Fit points: {pdo:g} points double the odds of the outcome; each field's least",
        "promising value scores 0; a rule with all: adjusts a combination of two fields",
        f"(L2 logistic regression, C={card.regularisation:g}, {card.pairs} field pairs).",
    ]
    held = result.holdout
    if held is not None:
        lines.append(
            f"Held out {held.leads} leads ({split} split): ROC AUC {held.roc_auc:.3f}"
            + (f", Brier {held.brier:.3f}, ECE {held.ece:.3f}." if held.ece is not None else ".")
        )
    probability = result.config.probability
    if probability is not None:
        mql = result.config.scoring.threshold.mql
        totals = [mql - 2 * round(pdo), mql - round(pdo), mql, mql + round(pdo)]
        shares = ", ".join(f"{t} ≈ {probability.at(t):.0%}" for t in totals)
        lines += [
            "probability: the share of leads with a total that reached the outcome,",
            "1 / (1 + e^-(intercept + slope × total)); at the MQL threshold and around it:",
            f"{shares}.",
        ]
    return lines


def _points(rules: ScoringRules) -> dict[str, FitRule]:
    return {rule.label: rule for rule in rules.fit}


def point_changes(old: ScoringRules, new: ScoringRules, shown: int) -> Table:
    """The ``shown`` largest point changes between two rules files, by fit rule label."""
    before, after = _points(old), _points(new)
    labels = list(dict.fromkeys([*after, *before]))

    def change(label: str) -> int:
        return abs(_value(after, label) - _value(before, label))

    changed = [label for label in labels if change(label)]
    ranked = sorted(changed, key=change, reverse=True)[:shown]
    table = _table(f"largest point changes ({len(ranked)} of {len(changed)} changed fit rules)")
    for name in ("rule", "condition", "now", "calibrated"):
        table.add_column(name, justify="right" if name in ("now", "calibrated") else "left")
    for label in ranked:
        rule = after.get(label) or before[label]
        table.add_row(
            escape(label),
            escape(describe_rule(rule)),
            _signed(before.get(label)),
            _signed(after.get(label)),
        )
    return table


def _value(rules: dict[str, FitRule], label: str) -> int:
    return rules[label].points if label in rules else 0


def _signed(rule: FitRule | None) -> str:
    return _NONE if rule is None else f"{rule.points:+d}"


def rules_diff(old: ScoringRules, new: ScoringRules) -> list[str]:
    """What changed in the threshold and in the fit rules, in a line or two."""
    lines = []
    if old.threshold != new.threshold:
        lines.append(f"threshold: {_threshold(old)} → {_threshold(new)}")
    before, after = _points(old), _points(new)
    removed = [label for label in before if label not in after]
    added = [label for label in after if label not in before]
    changed = [label for label in after if label in before and before[label] != after[label]]
    lines.append(
        f"fit rules: {len(before)} → {len(after)} ({len(added)} new, {len(removed)} removed, "
        f"{len(changed)} changed)"
    )
    return lines


def _threshold(rules: ScoringRules) -> str:
    t = rules.threshold
    floors = [
        f"{axis} ≥ {value}"
        for axis, value in (("fit", t.min_fit), ("engagement", t.min_engagement))
        if value is not None
    ]
    return f"total ≥ {t.mql}" + (f" ({', '.join(floors)})" if floors else "")


def metrics_table(rows: list[tuple[str, Metrics]]) -> Table:
    """Each set of leads with its figures; Brier and ECE only for rules with probabilities."""
    table = _table()
    table.add_column("scored", no_wrap=True)
    for name in ("leads", "ROC AUC", "precision", "recall", "MQLs", "Brier", "ECE"):
        table.add_column(name, justify="right", no_wrap=True)
    for name, m in rows:
        table.add_row(
            escape(name),
            f"{m.leads}",
            f"{m.roc_auc:.3f}",
            f"{m.precision:.3f}",
            f"{m.recall:.3f}",
            f"{m.share_flagged:.1%}",
            _NONE if m.brier is None else f"{m.brier:.3f}",
            _NONE if m.ece is None else f"{m.ece:.3f}",
        )
    return table


def comparison_table(comparison: Comparison) -> Table:
    """Calibrated against current on the held-out leads, and the what-if on recent leads."""
    volume = comparison.current_at_volume.flagged
    at_volume = (
        f"precision and recall of the first {volume}, as many as the current rules flag"
        if volume
        else "the current rules flag none of them, so there is no volume to compare at"
    )
    table = _table(
        f"{comparison.held_out} held-out leads ({comparison.positives} positive); {at_volume}; "
        "MQLs/week over the leads first seen in the last 30 days"
    )
    table.add_column("rules", no_wrap=True)
    table.add_column("ROC AUC (95 % interval)", justify="right", no_wrap=True)
    table.add_column("precision", justify="right", no_wrap=True)
    table.add_column("recall", justify="right", no_wrap=True)
    table.add_column("MQLs/week", justify="right", no_wrap=True)
    for name, auc, at, weekly in (
        (
            "calibrated",
            comparison.candidate_auc,
            comparison.candidate_at_volume,
            comparison.candidate_weekly_mqls,
        ),
        (
            "current",
            comparison.current_auc,
            comparison.current_at_volume,
            comparison.current_weekly_mqls,
        ),
    ):
        table.add_row(name, _interval(auc), *_at(at), f"{weekly:.1f}")
    table.add_row("difference", _interval(comparison.auc_gain, signed=True), "", "", "")
    return table


def _table(title: str | None = None) -> Table:
    """A table that fits an 80-column terminal: a rule under the header, no side padding."""
    return Table(
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
        title=title,
        title_justify="left",
    )


def _interval(value: Interval, *, signed: bool = False) -> str:
    form = "+.3f" if signed else ".3f"
    return f"{value.estimate:{form}} ({value.low:{form}} to {value.high:{form}})"


def _at(at: AtVolume) -> tuple[str, str]:
    return _share(at.precision), _share(at.recall)


def _share(value: float | None) -> str:
    return _NONE if value is None else f"{value:.1%}"
