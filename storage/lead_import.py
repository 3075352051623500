"""Bulk writes and reads for historical leads: CSV import and calibration.

An import upserts a whole batch in one statement keyed on the lead's email
(``INSERT … ON CONFLICT (email) DO UPDATE``), so re-importing a file updates
leads instead of duplicating them on both SQLite and PostgreSQL. Attributes are
merged key by key with what is stored, so an import never erases attributes a
webhook set. Activities an import creates carry no event; a re-import replaces
them, so counters are not doubled. A lead's ``first_seen_at`` is the time the
export gives for it (its creation date), else the import time; a re-import
that gives a time corrects it, one that gives none leaves it. Nothing here
writes outbox rows: history is stored, never announced in Slack.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, delete, insert, select
from sqlalchemy.engine import Connection, RowMapping

from storage.dialect import insert_for
from storage.enums import Stage
from storage.models import Activity, Lead
from storage.score_states import forget_states

lead_table = Lead.__table__  # type: ignore[attr-defined]
activity_table = Activity.__table__  # type: ignore[attr-defined]

#: stages whose outcome is settled, per kind of outcome: (positive, negative)
OUTCOME_STAGES: dict[str, tuple[frozenset[str], frozenset[str]]] = {
    "accepted": (
        frozenset({Stage.SQL, Stage.WON, Stage.LOST}),
        frozenset({Stage.RECYCLED, Stage.DISQUALIFIED}),
    ),
    "won": (
        frozenset({Stage.WON}),
        frozenset({Stage.LOST, Stage.RECYCLED, Stage.DISQUALIFIED}),
    ),
}


@dataclass(frozen=True)
class ImportedLead:
    """A lead as an import states it; ``fields`` are the lead columns the import owns."""

    email: str
    fields: dict[str, Any]
    attributes: dict[str, Any]
    counters: dict[str, int]
    activity_time: datetime
    #: when the lead first appeared, if the export says
    first_seen_at: datetime | None = None


@dataclass(frozen=True)
class UpsertCounts:
    inserted: int
    updated: int


def upsert_leads(conn: Connection, leads: Sequence[ImportedLead], *, now: datetime) -> UpsertCounts:
    """Insert or update a batch of leads (the last of repeated emails wins)."""
    batch = list({lead.email: lead for lead in leads}.values())
    if not batch:
        return UpsertCounts(0, 0)
    stored = {
        row.email: row.attributes or {}
        for row in conn.execute(
            select(lead_table.c.email, lead_table.c.attributes).where(
                lead_table.c.email.in_([lead.email for lead in batch])
            )
        )
    }
    owned = sorted({name for lead in batch for name in lead.fields})
    ids: dict[str, int] = {}
    for dated in (True, False):
        part = [lead for lead in batch if (lead.first_seen_at is not None) is dated]
        if not part:
            continue
        rows: list[dict[str, Any]] = [
            {
                "email": lead.email,
                **{name: lead.fields.get(name) for name in owned},
                "attributes": _merge(stored.get(lead.email, {}), lead.attributes),
                "utm": {},
                "score_reasons": [],
                "first_seen_at": lead.first_seen_at or now,
                "updated_at": now,
                "imported_at": now,
            }
            for lead in part
        ]
        updated = [
            *owned,
            "attributes",
            "updated_at",
            "imported_at",
            *(["first_seen_at"] if dated else []),
        ]
        stmt = insert_for(conn, lead_table)
        stmt = stmt.on_conflict_do_update(
            index_elements=["email"], set_={name: stmt.excluded[name] for name in updated}
        ).returning(lead_table.c.id, lead_table.c.email)
        ids.update({row.email: row.id for row in conn.execute(stmt, rows)})
    _replace_activities(conn, batch, ids)
    inserted = sum(1 for lead in batch if lead.email not in stored)
    return UpsertCounts(inserted=inserted, updated=len(batch) - inserted)


def _merge(stored: dict[str, Any], imported: dict[str, Any]) -> dict[str, Any]:
    merged = {**stored, **imported}
    return {key: value for key, value in merged.items() if value is not None}


def _replace_activities(
    conn: Connection, batch: Sequence[ImportedLead], ids: dict[str, int]
) -> None:
    types = sorted({kind for lead in batch for kind in lead.counters})
    if not types:
        return
    forget_states(conn, ids.values())
    conn.execute(
        delete(activity_table).where(
            and_(
                activity_table.c.lead_id.in_(list(ids.values())),
                activity_table.c.event_id.is_(None),
                activity_table.c.type.in_(types),
            )
        )
    )
    rows = [
        {
            "lead_id": ids[lead.email],
            "type": kind,
            "occurred_at": lead.activity_time,
            "properties": {"imported": True},
        }
        for lead in batch
        for kind, count in lead.counters.items()
        for _ in range(count)
    ]
    if rows:
        conn.execute(insert(activity_table), rows)


@dataclass(frozen=True)
class LabelledLead:
    """A stored lead with a settled outcome, and what it did."""

    lead: RowMapping
    activities: list[RowMapping]
    label: bool


def labelled_leads(
    conn: Connection, outcome: str, *, since: datetime | None = None
) -> list[LabelledLead]:
    """Leads whose ``outcome`` (converted, accepted or won) is known, in id order.

    ``since`` keeps the leads first seen at or after it (a look-back window).
    """
    if outcome == "converted":
        known = lead_table.c.converted.is_not(None)
    elif outcome in OUTCOME_STAGES:
        positive, negative = OUTCOME_STAGES[outcome]
        known = lead_table.c.stage.in_(sorted(positive | negative))
    else:
        raise ValueError(f"unknown outcome {outcome!r}: use converted, accepted or won")
    if since is not None:
        known = and_(known, lead_table.c.first_seen_at >= since)
    leads = conn.execute(select(lead_table).where(known).order_by(lead_table.c.id)).mappings()
    activities: dict[int, list[RowMapping]] = {}
    for row in conn.execute(
        select(activity_table)
        .join(lead_table, lead_table.c.id == activity_table.c.lead_id)
        .where(known)
        .order_by(activity_table.c.lead_id, activity_table.c.occurred_at)
    ).mappings():
        activities.setdefault(row.lead_id, []).append(row)
    return [
        LabelledLead(
            lead=row,
            activities=activities.get(row.id, []),
            label=bool(row.converted)
            if outcome == "converted"
            else row.stage in OUTCOME_STAGES[outcome][0],
        )
        for row in leads
    ]
