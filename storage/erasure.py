"""The statements that erase a lead's personal data, keeping the facts reports are made of."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import update
from sqlalchemy.engine import Connection

from storage import aliases
from storage.enums import OutboxStatus
from storage.models import Activity, Event, Lead, Outbox, Transition
from storage.qualification import erase_text_answers
from storage.score_states import forget_states

_lead = Lead.__table__  # type: ignore[attr-defined]
_event = Event.__table__  # type: ignore[attr-defined]
_activity = Activity.__table__  # type: ignore[attr-defined]
_transition = Transition.__table__  # type: ignore[attr-defined]
_outbox = Outbox.__table__  # type: ignore[attr-defined]
_SETTLED = (OutboxStatus.DONE.value, OutboxStatus.DEAD.value)


def placeholder_email(lead_id: int) -> str:
    """Unique (the column is) and meaningless outside this database; never deliverable."""
    return f"erased-{lead_id}@erased.invalid"


def erase_lead(
    conn: Connection, lead_id: int, *, reasons: list[dict[str, Any]], now: datetime
) -> tuple[int, int, int]:
    """Clear the lead's personal data everywhere it is stored; (events, activities, notes) hit.

    Notes are the free texts people wrote about the lead: transition notes and
    text answers to the qualification questions.

    ``reasons`` are the score reasons to keep (kind, label, points: no details).
    """
    conn.execute(
        update(_lead)
        .where(_lead.c.id == lead_id)
        .values(
            email=placeholder_email(lead_id),
            first_name=None,
            last_name=None,
            phone=None,
            company=None,
            job_title=None,
            website=None,
            utm={},
            attributes={},
            score_reasons=reasons,
            erased_at=now,
            updated_at=now,
            version=_lead.c.version + 1,
        )
    )
    events = conn.execute(
        update(_event).where(_event.c.lead_id == lead_id).values(payload={}, error=None)
    ).rowcount
    activities = conn.execute(
        update(_activity).where(_activity.c.lead_id == lead_id).values(properties={})
    ).rowcount
    forget_states(conn, [lead_id])  # filters on the erased properties score differently now
    aliases.forget(conn, lead_id)
    notes = conn.execute(
        update(_transition)
        .where(_transition.c.lead_id == lead_id, _transition.c.note.is_not(None))
        .values(note=None)
    ).rowcount + erase_text_answers(conn, lead_id)
    conn.execute(
        update(_outbox)
        .where(_outbox.c.lead_id == lead_id, _outbox.c.status.in_(_SETTLED))
        .values(payload={})
    )
    return events, activities, notes
