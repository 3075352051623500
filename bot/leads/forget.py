"""Erase a lead's personal data on request, keeping the facts the funnel is made of.

Erased: names, email (replaced by a placeholder that identifies no one), phone,
company, job title, website, UTM and custom attributes, the lead sources' ids
for the person (aliases), the per-rule details
of the score, free-text notes on transitions and free-text answers to the
qualification questions, the raw payloads of the lead's
events and the properties of its activities, and the bodies of Slack
messages already delivered about it. Kept: stages, transitions with their
actors, reasons and times, scores, source, campaign, country, company size,
industry and deal amounts — so stats and digests stay true after an erasure.

Features clean up what they sent elsewhere through *erasure effects*, run in
the same transaction just before the data goes (``bot.leads.effects``): the
Slack feature replaces what it posted (``bot.slack.erasure``), the outbound
webhooks cancel what was not delivered and tell subscribers (``lead.erased``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.leads.unit_of_work import Work
from storage.erasure import erase_lead
from storage.rows import LeadRow

#: why erasure effects dead-letter what was still to be sent (``leadbot outbox list``)
NOT_SENT = "not sent: the lead's personal data was erased"


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


def already_erased(lead: LeadRow, when: str) -> str:
    """The answer to a second erasure; ``when`` is ``erased_at`` as the surface shows dates."""
    return (
        f"Lead {lead.id}'s personal data was already erased {when}; there is nothing left to erase."
    )


def forget_lead(work: Work, lead: LeadRow, *, now: datetime) -> Erasure:
    """Run the erasure effects, then erase the lead's personal data, in ``work``'s transaction.

    The effects run first because they read what is about to go (which
    outbox rows were Slack posts, for instance).
    """
    elsewhere = tuple(
        line for effect in work.effects.erasure if (line := effect(work.conn, lead, now))
    )
    reasons = [
        {"kind": r.get("kind"), "label": r.get("label"), "points": r.get("points", 0)}
        for r in lead.score_reasons or []
    ]
    events, activities, notes = erase_lead(work.conn, lead.id, reasons=reasons, now=now)
    return Erasure(lead.id, events, activities, notes, elsewhere)
