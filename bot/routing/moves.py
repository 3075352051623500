"""An offer moving on: the rep passes, or their time runs out (the sweep).

Each move is one transaction that locks the lead first, then reads its offer:
a decision on the same lead either committed before (the offer is gone) or
waits until the move is committed (and is then checked against the new
offer). The features follow through ``Effects.offer``.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from bot.core.offers import Step
from bot.leads.unit_of_work import UnitOfWork, Work
from bot.routing.router import Router
from bot.runtime.clock import Clock
from storage import routing as store
from storage.enums import Stage
from storage.leads import load_lead, lock_lead
from storage.rows import LeadRow

log = logging.getLogger(__name__)

#: how often offers are checked for running out
SWEEP_SECONDS = 15


class Passed(StrEnum):
    PASSED = "passed"
    #: the lead is decided, gone, or no longer offered to anyone
    TOO_LATE = "too_late"
    #: the lead is offered to someone else
    NOT_YOURS = "not_yours"


@dataclass(frozen=True)
class PassResult:
    outcome: Passed
    lead: LeadRow | None
    #: who the lead is offered to now
    offered_to: str | None = None


def pass_offer(work: Work, router: Router, lead_id: int, user_id: str, now: datetime) -> PassResult:
    """``user_id`` passes on the lead offered to them; it goes to the next rep."""
    lock_lead(work.conn, lead_id)
    lead = load_lead(work.conn, lead_id)
    offer = store.open_offer(work.conn, lead_id) if lead is not None else None
    if lead is None or offer is None or lead.stage != Stage.MQL.value:
        return PassResult(Passed.TOO_LATE, lead)
    if offer.user_id != user_id:
        return PassResult(Passed.NOT_YOURS, lead, offer.user_id)
    move = router.move_on(work.conn, lead, offer, Step.PASSED, now, actor=f"slack:{user_id}")
    for effect in work.effects.offer:
        effect(work.conn, lead, move)
    return PassResult(Passed.PASSED, lead, move.offer.user_id if move.offer else None)


class OfferSweep:
    """The scheduled job moving on every offer whose time ran out; ``sweep`` takes any ``now``."""

    def __init__(self, work: UnitOfWork, router: Router, *, clock: Clock) -> None:
        self._work = work
        self._router = router
        self._clock = clock

    async def run(self) -> None:
        await asyncio.to_thread(self.sweep, self._clock())

    def sweep(self, now: datetime) -> int:
        """Move on each offer expired at ``now``, one transaction each; how many moved."""
        with self._work.read() as conn:
            expired = store.expired_offers(conn, now)
        return sum(self._time_out(lead_id, now) for lead_id in expired)

    def _time_out(self, lead_id: int, now: datetime) -> bool:
        with self._work.begin() as work:
            lock_lead(work.conn, lead_id)
            offer = store.open_offer(work.conn, lead_id)
            if offer is None or offer.expires_at > now:
                return False  # answered, or moved on by another instance meanwhile
            lead = load_lead(work.conn, lead_id)
            if lead is None or lead.stage != Stage.MQL.value or lead.mql_at != offer.round_at:
                store.delete_offer(work.conn, lead_id)  # its lead moved on without it
                return False
            move = self._router.move_on(work.conn, lead, offer, Step.TIMED_OUT, now, actor="system")
            for effect in work.effects.offer:
                effect(work.conn, lead, move)
        log.info("offer timed out", extra={"lead_id": lead_id, "team": offer.team})
        return True
