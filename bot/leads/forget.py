"""Erase a lead's personal data on request, keeping the facts the funnel is made of.

Erased: names, email (replaced by a placeholder that identifies no one), phone,
company, job title, website, UTM and custom attributes, the lead sources' ids
for the person (aliases), the per-rule details
of the score, free-text notes on transitions, the raw payloads of the lead's
events and the properties of its activities, and the bodies of Slack
messages already delivered about it. Kept: stages, transitions with their
actors, reasons and times, scores, source, campaign, country, company size,
industry and deal amounts — so stats and digests stay true after an erasure.

Features clean up what they sent elsewhere through *erasure effects*, run in
the same transaction just before the data goes: the Slack component replaces
what it posted (``bot.slack.erasure``), the webhooks component cancels what
was not delivered and tells subscribers (``lead.erased``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import update
from sqlalchemy.engine import Connection

from storage import aliases
from storage.models import Activity, Event, Lead, Outbox, OutboxStatus, Transition

_lead = Lead.__table__  # type: ignore[attr-defined]
_event = Event.__table__  # type: ignore[attr-defined]
_activity = Activity.__table__  # type: ignore[attr-defined]
_transition = Transition.__table__  # type: ignore[attr-defined]
_outbox = Outbox.__table__  # type: ignore[attr-defined]
_SETTLED = (OutboxStatus.DONE.value, OutboxStatus.DEAD.value)

#: why erasure effects dead-letter what was still to be sent (``leadbot outbox list``)
NOT_SENT = "not sent: the lead's personal data was erased"


class ErasureEffect(Protocol):
    """What a feature does about a lead being erased, in the erasure's transaction.

    ``lead`` is the row before erasure. Returns a line for the admin's answer
    (what it did), or None when it had nothing to do.
    """

    def __call__(self, conn: Connection, lead: Mapping[str, Any], now: datetime) -> str | None: ...


@dataclass(frozen=True)
class Erasure:
    lead_id: int
    events: int
    activities: int
    notes: int
    #: what each erasure effect did, for the answer
    elsewhere: tuple[str, ...] = ()

    def summary(self) -> str:
        """What was done, for the admin who asked (Slack or the command line)."""
        done = (
            f"Erased the personal data of lead {self.lead_id} "
            f"({self.events} events, {self.activities} activities)"
        )
        return (
            "; ".join((done, *self.elsewhere))
            + ". Its stages, scores, source and amounts remain for reporting."
        )


def already_erased(lead: Mapping[str, Any], when: str) -> str:
    """The answer to a second erasure; ``when`` is ``erased_at`` as the surface shows dates."""
    return (
        f"Lead {lead['id']}'s personal data was already erased {when}; "
        "there is nothing left to erase."
    )


def forget_lead(
    conn: Connection,
    lead: Mapping[str, Any],
    *,
    now: datetime,
    effects: Sequence[ErasureEffect] = (),
) -> Erasure:
    """Run the erasure effects, then erase the lead's personal data, in the caller's transaction.

    The effects run first because they read what is about to go (which
    outbox rows were Slack posts, for instance).
    """
    elsewhere = tuple(line for effect in effects if (line := effect(conn, lead, now)))
    return replace(_erase(conn, lead, now=now), elsewhere=elsewhere)


def placeholder_email(lead_id: int) -> str:
    """Unique (the column is) and meaningless outside this database; never deliverable."""
    return f"erased-{lead_id}@erased.invalid"


def _erase(conn: Connection, lead: Mapping[str, Any], *, now: datetime) -> Erasure:
    lead_id = lead["id"]
    reasons = [
        {"kind": r.get("kind"), "label": r.get("label"), "points": r.get("points", 0)}
        for r in lead["score_reasons"] or []
    ]
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
    aliases.forget(conn, lead_id)
    notes = conn.execute(
        update(_transition)
        .where(_transition.c.lead_id == lead_id, _transition.c.note.is_not(None))
        .values(note=None)
    ).rowcount
    conn.execute(
        update(_outbox)
        .where(_outbox.c.lead_id == lead_id, _outbox.c.status.in_(_SETTLED))
        .values(payload={})
    )
    return Erasure(lead_id, events, activities, notes)
