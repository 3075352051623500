"""Offers: a lead put to one rep at a time, and what became of each.

A lead of a ``round_robin`` or ``weighted`` team is *offered* to one member;
the offer ends when they accept or reject it, pass it on, let it time out,
or someone else (an admin, ``/leads assign``) decides first. After a pass or
a timeout the next member gets it; when nobody is left the lead *falls
back* to the team's channel, where anyone may claim it. Every step is an
event of the audit trail (``storage.routing``), and features follow the
moves through ``bot.leads.effects.OfferEffect``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Step(StrEnum):
    """What happened to a lead's offer; stored as the kind of a routing event."""

    OFFERED = "offered"
    PASSED = "passed"
    TIMED_OUT = "timed_out"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    #: someone else decided the lead while it was offered
    WITHDRAWN = "withdrawn"
    #: nobody (else) could take it: the card is open to the whole channel
    FALLBACK = "fallback"


#: an offer ends with one of these, and the next member is asked
MOVED_ON = frozenset({Step.PASSED, Step.TIMED_OUT})
#: the rep answered (the time it took is their time to decide)
ANSWERED = frozenset({Step.ACCEPTED, Step.REJECTED, Step.PASSED})

ROTATION, ACCOUNT_OWNER = "rotation", "account_owner"


@dataclass(frozen=True)
class Offer:
    """A lead offered to one rep until ``expires_at``."""

    lead_id: int
    team: str
    user_id: str
    offered_at: datetime
    expires_at: datetime
    #: ``rotation``, or ``account_owner`` when the rep already owns the company
    reason: str = ROTATION
    #: the company the owner already has (``Acme``), shown on the card
    account: str | None = None


@dataclass(frozen=True)
class Answer:
    """How one member's offer of the lead ended."""

    user_id: str
    step: Step


@dataclass(frozen=True)
class OfferMove:
    """One change of a lead's offer: what the features show and tell."""

    team: str
    mode: str
    at: datetime
    #: the open offer now; None when the lead fell back to the channel
    offer: Offer | None
    #: the offer this move ended (None for the lead's first offer)
    ended: Offer | None = None
    #: how ``ended`` ended: passed or timed out
    step: Step | None = None
    #: every earlier offer of this qualification and how it ended, oldest first
    history: Sequence[Answer] = ()

    @property
    def first(self) -> bool:
        return self.ended is None

    @property
    def fell_back(self) -> bool:
        return self.offer is None
