"""Leads with a known outcome, as the scoring engine sees them: from a CSV or the database.

Both sources give the same record for the same lead: ``records_from_csv``
parses rows exactly as ``leadbot import`` does, and ``record_from_stored``
reads back what the import stored. Each record carries the time the lead
first appeared, which orders the time-based hold-out (``bot.history.split``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy.engine import RowMapping

from bot.config.rules import PROFILE_FIELDS
from bot.core.scoring import ActivityRecord
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
    #: when the lead first appeared; None when the source does not say
    at: datetime | None = None


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
    """A stored lead as the engine scores it: profile columns, attributes and activities."""
    lead: RowMapping = stored.lead
    profile = {name: lead[name] for name in PROFILE_FIELDS if name in lead}
    profile["attributes"] = dict(lead["attributes"] or {})
    return LabelledRecord(
        email=lead["email"],
        profile=profile,
        activities=[ActivityRecord.from_row(a) for a in stored.activities],
        label=stored.label,
        at=lead["first_seen_at"],
    )
