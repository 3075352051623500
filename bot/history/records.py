"""Leads with a known outcome, as the scoring engine sees them: from a CSV or the database.

Both sources give the same record for the same lead: ``records_from_csv``
parses rows exactly as ``leadbot import`` does, and ``record_from_stored``
reads back what the import stored. Each record carries the time the lead
first appeared, which orders the time-based hold-out (``bot.history.split``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from bot.config.rules import PROFILE_FIELDS
from bot.core.scoring import ActivityRecord
from bot.history.importer import ImportReport, read_rows
from bot.history.mapping import OUTCOME_FIELD, LeadMapping, MappingError, RowError, RowParser
from storage.lead_import import LabelledLead


@dataclass(frozen=True)
class LeadRecord:
    """A lead as the scoring engine sees it."""

    email: str
    profile: dict[str, Any]
    activities: list[ActivityRecord]
    #: when the lead first appeared; None when the source does not say
    at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class LabelledRecord(LeadRecord):
    """A lead with its known outcome."""

    label: bool


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
            records.pop(parsed.email, None)
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
            at=parsed.created_at,
        )
    return list(records.values()), report


def record_from_stored(stored: LabelledLead) -> LabelledRecord:
    """A stored lead with a known outcome, as the engine scores it."""
    lead = lead_record(stored.lead, stored.activities)
    return LabelledRecord(
        email=lead.email,
        profile=lead.profile,
        activities=lead.activities,
        at=lead.at,
        label=stored.label,
    )


def lead_record(lead: Mapping[Any, Any], activities: Sequence[Mapping[Any, Any]]) -> LeadRecord:
    """A stored lead as the engine scores it: profile columns, attributes and activities."""
    profile = {name: lead[name] for name in PROFILE_FIELDS if name in lead}
    profile["attributes"] = dict(lead["attributes"] or {})
    return LeadRecord(
        email=lead["email"],
        profile=profile,
        activities=[ActivityRecord.from_row(a) for a in activities],
        at=lead["first_seen_at"],
    )
