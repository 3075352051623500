"""How features follow what happens to leads, without ``bot/leads`` knowing the features.

A feature (the Slack handoff, outbound webhooks) contributes *effects*:
functions run inside the transaction of the change they follow, which only
queue work (outbox rows) and never call the network. ``create_app`` collects
them into one ``Effects`` before anything else is built, and the unit of
work (``bot.leads.unit_of_work``) runs them; so a change and everything it
causes are committed together or not at all.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy.engine import Connection

from bot.core.lifecycle import Actor, TransitionPlan
from bot.core.offers import OfferMove
from storage.enums import Stage
from storage.rows import LeadRow


class TransitionEffect(Protocol):
    """Follows a stage change; ``lead`` is the row as it is after the change."""

    def __call__(self, conn: Connection, lead: LeadRow, plan: TransitionPlan) -> None: ...


class RescoreEffect(Protocol):
    """Follows a new score of an undecided MQL that did not change its stage.

    Cards about the lead show its score and whether it is hot, so they
    follow it; ``before`` and ``after`` are the lead rows around the change.
    """

    def __call__(
        self, conn: Connection, before: LeadRow, after: LeadRow, now: datetime
    ) -> None: ...


class ErasureEffect(Protocol):
    """Cleans up what a feature sent elsewhere about a lead whose personal data goes.

    Runs before the erasure, on the row as it was. Returns a line for the
    admin's answer (what it did), or None when it had nothing to do.
    """

    def __call__(self, conn: Connection, lead: LeadRow, now: datetime) -> str | None: ...


class OfferEffect(Protocol):
    """Follows a move of an undecided MQL's offer: first offer, pass, timeout, fallback."""

    def __call__(self, conn: Connection, lead: LeadRow, move: OfferMove) -> None: ...


class DecisionCheck(Protocol):
    """May ``actor`` move the MQL ``lead`` to ``target`` now? A sentence saying why not, or None.

    Runs in the decision's transaction with the lead locked, before anything
    is written; a refusal writes nothing.
    """

    def __call__(
        self, conn: Connection, lead: LeadRow, actor: Actor, target: Stage
    ) -> str | None: ...


class HandoverEffect(Protocol):
    """Follows an SQL handed to another owner (``lead`` is the row after the handover)."""

    def __call__(self, conn: Connection, lead: LeadRow, actor: Actor, now: datetime) -> None: ...


@dataclass(frozen=True)
class Effects:
    """Every feature's effects, in the order they run."""

    transition: tuple[TransitionEffect, ...] = ()
    rescore: tuple[RescoreEffect, ...] = ()
    erasure: tuple[ErasureEffect, ...] = ()
    offer: tuple[OfferEffect, ...] = ()
    checks: tuple[DecisionCheck, ...] = ()
    handover: tuple[HandoverEffect, ...] = ()

    def __add__(self, other: Effects) -> Effects:
        return Effects(
            self.transition + other.transition,
            self.rescore + other.rescore,
            self.erasure + other.erasure,
            self.offer + other.offer,
            self.checks + other.checks,
            self.handover + other.handover,
        )
