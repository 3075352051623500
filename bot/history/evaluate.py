"""Measure a rules file against leads whose outcome is known.

Every figure comes from the production scoring engine (``bot.core.scoring``), so
what is measured is exactly what would run: a lead is flagged when it is not
disqualified and its score meets the rules' MQL threshold, and it is ranked by
its total (disqualified leads last) for the ROC AUC.

The hold-out split is a pure function of each lead's identity, so anyone can
reproduce it: within each outcome class, leads are ordered by the SHA-256 of
their email (for rows without one, the synthetic ``<key>@import.invalid``) and
the first ``fraction`` of each class is held out. Both classes keep their
share, and the same leads are held out whichever command computes the split.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import RowMapping

from bot.config.rules import PROFILE_FIELDS, ScoringRules
from bot.core.scoring import ActivityRecord, score_lead
from bot.history.importer import ImportReport, read_rows
from bot.history.mapping import OUTCOME_FIELD, LeadMapping, MappingError, RowError, RowParser
from storage.lead_import import LabelledLead


@dataclass(frozen=True)
class LabelledRecord:
    """A lead as the scoring engine sees it, with its known outcome."""

    email: str
    profile: dict[str, Any]
    activities: list[ActivityRecord]
    label: bool


@dataclass(frozen=True)
class Scored:
    label: bool
    #: the total, or -inf for a disqualified lead (never flagged, ranked last)
    rank: float
    flagged: bool


@dataclass(frozen=True)
class Metrics:
    leads: int
    positives: int
    roc_auc: float
    threshold: int
    flagged: int
    precision: float
    recall: float
    f1: float
    share_flagged: float

    def as_dict(self) -> dict[str, Any]:
        """Plain values for JSON; an undefined AUC (one outcome only) becomes None."""
        return {k: None if v != v else v for k, v in asdict(self).items()}


def score_records(
    records: Iterable[LabelledRecord], rules: ScoringRules, now: datetime
) -> list[Scored]:
    scored = []
    for record in records:
        score = score_lead(record.profile, record.activities, rules, now)
        disqualified = score.disqualify_reason is not None
        flagged = not disqualified and rules.threshold.is_met(
            fit=score.fit, engagement=score.engagement, total=score.total
        )
        rank = -math.inf if disqualified else float(score.total)
        scored.append(Scored(record.label, rank, flagged))
    return scored


def roc_auc(labels: Sequence[bool], scores: Sequence[float]) -> float:
    """Probability that a random positive outranks a random negative (ties count half)."""
    order = sorted(range(len(scores)), key=scores.__getitem__)
    rank_sum, positives, i = 0.0, sum(labels), 0
    while i < len(order):
        j = i
        while j + 1 < len(order) and scores[order[j + 1]] == scores[order[i]]:
            j += 1
        mid_rank = (i + j) / 2 + 1
        rank_sum += mid_rank * sum(1 for k in order[i : j + 1] if labels[k])
        i = j + 1
    negatives = len(labels) - positives
    if not positives or not negatives:
        return math.nan
    return (rank_sum - positives * (positives + 1) / 2) / (positives * negatives)


def measure(scored: Sequence[Scored], threshold: int) -> Metrics:
    positives = sum(s.label for s in scored)
    flagged = sum(s.flagged for s in scored)
    hits = sum(s.flagged and s.label for s in scored)
    precision = hits / flagged if flagged else 0.0
    recall = hits / positives if positives else 0.0
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return Metrics(
        leads=len(scored),
        positives=positives,
        roc_auc=roc_auc([s.label for s in scored], [s.rank for s in scored]),
        threshold=threshold,
        flagged=flagged,
        precision=precision,
        recall=recall,
        f1=f1,
        share_flagged=flagged / len(scored) if scored else 0.0,
    )


def evaluate_rules(
    records: Sequence[LabelledRecord], rules: ScoringRules, now: datetime
) -> Metrics:
    return measure(score_records(records, rules, now), rules.threshold.mql)


def choose_threshold(
    totals: Sequence[float], labels: Sequence[bool], *, recall: float | None, flagged: int | None
) -> int:
    """The highest integer threshold reaching ``recall``, or flagging at most ``flagged`` leads."""
    positives = sum(labels)
    ranked = sorted(zip(totals, labels, strict=True), key=lambda pair: -pair[0])
    best = math.floor(ranked[0][0]) + 1 if ranked else 0
    hits = count = 0
    for i, (total, label) in enumerate(ranked):
        hits, count = hits + label, count + 1
        if i + 1 < len(ranked) and ranked[i + 1][0] == total:
            continue  # a threshold cannot split tied scores
        if total == -math.inf or (flagged is not None and count > flagged):
            break
        best = math.ceil(total)
        if recall is not None and positives and hits / positives >= recall:
            break
    return best


def split_holdout(
    records: Sequence[LabelledRecord], fraction: float, *, salt: str = ""
) -> tuple[list[LabelledRecord], list[LabelledRecord]]:
    """(training, held out) by the documented rule; ``fraction`` 0 holds nothing out.

    A ``salt`` is prefixed to every identity before hashing: another salt is
    another draw of the same rule, to see how much one split's figures vary.
    """
    held: set[str] = set()
    for label in (True, False):
        ranked = sorted(
            (r.email for r in records if r.label is label),
            key=lambda email: hashlib.sha256((salt + email).encode()).hexdigest(),
        )
        held.update(ranked[: round(fraction * len(ranked))])
    return [r for r in records if r.email not in held], [r for r in records if r.email in held]


def records_from_csv(
    path: Path, mapping: LeadMapping, now: datetime
) -> tuple[list[LabelledRecord], ImportReport]:
    """The CSV's rows with a known outcome, parsed exactly as ``leadbot import`` parses them.

    Bad rows are skipped and listed in the report, as the import does; a key
    repeated in the file keeps its last row, as the import does.
    """
    if not any(c.to == OUTCOME_FIELD for c in mapping.columns.values()):
        raise MappingError([f"the mapping has no column mapped to {OUTCOME_FIELD}"])
    parser = RowParser(mapping)
    report = ImportReport()
    records: dict[str, LabelledRecord] = {}
    for line, row in read_rows(path, mapping, report):
        report.rows += 1
        try:
            parsed = parser.parse(row)
        except RowError as exc:
            report.errors.append((line, str(exc)))
            continue
        fields = dict(parsed.fields)
        label = fields.pop(OUTCOME_FIELD, None)
        if label is None:
            continue
        stamp = parsed.activity_time or now
        records[parsed.email] = LabelledRecord(
            email=parsed.email,
            profile={**fields, "email": parsed.email, "attributes": parsed.attributes},
            activities=[
                ActivityRecord(kind, stamp)
                for kind, count in parsed.counters.items()
                for _ in range(count)
            ],
            label=label,
        )
    return list(records.values()), report


def record_from_stored(stored: LabelledLead) -> LabelledRecord:
    """A stored lead as the engine scores it: profile columns, attributes and activities."""
    lead: RowMapping = stored.lead
    profile = {name: lead[name] for name in PROFILE_FIELDS if name in lead}
    profile["attributes"] = dict(lead["attributes"] or {})
    return LabelledRecord(
        email=lead["email"],
        profile=profile,
        activities=[ActivityRecord.from_row(a) for a in stored.activities],
        label=stored.label,
    )
