"""Store a stage change with optimistic concurrency.

The lead row is updated only if its version is still the one the caller read,
so of two simultaneous decisions exactly one lands; the other gets
:class:`StaleLead` with what the lead looks like now ("already accepted by
@X"). Works on a Core ``Connection`` inside the caller's transaction, the
same one that writes the event, activity and outbox rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from functools import cache
from typing import Any, Protocol

from sqlalchemy import Connection, bindparam, insert, select, update

from storage.models import Lead, Transition
from storage.rows import LeadRow

_lead = Lead.__table__  # type: ignore[attr-defined]
_transition = Transition.__table__  # type: ignore[attr-defined]
_INSERT_TRANSITION = insert(_transition)


@cache
def _guarded_update(columns: tuple[str, ...]) -> Any:
    """UPDATE … WHERE id, version and stage are as read; built once per set of columns."""
    return (
        update(_lead)
        .where(
            _lead.c.id == bindparam("_id"),
            _lead.c.version == bindparam("_version"),
            _lead.c.stage == bindparam("_stage"),
        )
        .values({**{name: bindparam(name) for name in columns}, "version": _lead.c.version + 1})
    )


class PlannedTransition(Protocol):
    """What a lifecycle plan provides (``bot.core.lifecycle.TransitionPlan``)."""

    @property
    def from_stage(self) -> str: ...
    @property
    def to_stage(self) -> str: ...
    @property
    def actor(self) -> object: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def note(self) -> str | None: ...
    @property
    def at(self) -> datetime: ...
    @property
    def lead_changes(self) -> Mapping[str, Any]: ...


class StaleLead(Exception):
    """The lead changed since it was read; ``stage`` and ``owner_id`` are its current state."""

    def __init__(self, lead_id: int, *, stage: str, owner_id: str | None, version: int) -> None:
        owner = f" (owner {owner_id})" if owner_id else ""
        super().__init__(f"lead {lead_id} changed meanwhile: it is now {stage}{owner}")
        self.lead_id = lead_id
        self.stage = stage
        self.owner_id = owner_id
        self.version = version


class UnknownLead(LookupError):
    def __init__(self, lead_id: int) -> None:
        super().__init__(f"no lead with id {lead_id}")
        self.lead_id = lead_id


def _stale(conn: Connection, lead_id: int) -> StaleLead | UnknownLead:
    current = conn.execute(
        select(_lead.c.stage, _lead.c.owner_id, _lead.c.version).where(_lead.c.id == lead_id)
    ).first()
    if current is None:
        return UnknownLead(lead_id)
    return StaleLead(
        lead_id, stage=current.stage, owner_id=current.owner_id, version=current.version
    )


def apply_transition(
    conn: Connection, *, lead_id: int, expected_version: int, plan: PlannedTransition
) -> int:
    """Apply ``plan`` to the lead if nobody changed it since ``expected_version``.

    Returns the lead's new version. Raises :class:`StaleLead` when the version
    (or the stage) moved on, :class:`UnknownLead` when there is no such lead.
    """
    values = {**plan.lead_changes, "updated_at": plan.at}
    result = conn.execute(
        _guarded_update(tuple(sorted(values))),
        {**values, "_id": lead_id, "_version": expected_version, "_stage": str(plan.from_stage)},
    )
    if result.rowcount != 1:
        raise _stale(conn, lead_id)
    version = expected_version + 1
    conn.execute(
        _INSERT_TRANSITION,
        {
            "lead_id": lead_id,
            "from_stage": str(plan.from_stage),
            "to_stage": str(plan.to_stage),
            "actor": str(plan.actor),
            "reason": plan.reason,
            "note": plan.note,
            "at": plan.at,
            "version": version,
        },
    )
    return version


def reassign(conn: Connection, lead: LeadRow, owner_id: str, now: datetime) -> LeadRow:
    """Hand an SQL to someone else: not a stage change, but checked against concurrent edits.

    Raises :class:`StaleLead` when the lead changed since it was read.
    """
    result = conn.execute(
        update(_lead)
        .where(_lead.c.id == lead.id, _lead.c.version == lead.version)
        .values(owner_id=owner_id, updated_at=now, version=_lead.c.version + 1)
    )
    if result.rowcount != 1:
        raise _stale(conn, lead.id)
    return replace(lead, owner_id=owner_id, updated_at=now, version=lead.version + 1)
