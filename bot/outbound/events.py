"""Outbound webhook events: tell other systems (a CRM, a warehouse) what happened to a lead.

Subscribers are listed in the rules file's ``webhooks:`` section
(``bot.config.webhooks``). Every stage change runs :class:`OutboundWebhooks`
in its own transaction, which writes one outbox row per event and interested
subscriber; ``bot.outbound.sender`` signs and delivers them later. The stage
change never waits for a subscriber.

An admin erasing a lead's personal data (``/leads forget``) is not a stage
change: :class:`WebhookErasure` cancels the lead's events not delivered yet
(they carry the data) and sends ``lead.erased`` with nothing but the lead's
id, so each receiver can erase its copy too.

One change can mean two events: sales rejecting an MQL is a *decision*
(``lead.rejected``) and a *stage* (``lead.recycled`` or ``lead.disqualified``),
so a subscriber following decisions and one mirroring stages each get the
event it asked for; accepting one is ``lead.accepted`` and ``lead.assigned``
(it has an owner now), as is an SQL handed to someone else. The event id is
derived from the lead's version after the change, so it is stable: it is the
``webhook-id`` of every attempt and the receiver's key for recognising a
repeat.

Routing offers a lead to one rep at a time: each offer is a ``lead.offered``
(:class:`OutboundOffers`), numbered within the lead's qualification since an
offer does not change the lead's version.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.engine import Connection

from bot.config.webhooks import Subscriber
from bot.core.lifecycle import Actor, TransitionPlan
from bot.core.offers import OfferMove
from bot.leads.forget import NOT_SENT
from storage import outbox
from storage.enums import Stage
from storage.rows import LeadRow

#: ``Outbox.kind`` of outbound webhook deliveries
WEBHOOK = "webhook"
#: sales accepting an MQL; it carries the answers to the qualification questions
ACCEPTED = "lead.accepted"

#: the event a stage reached stands for (``sql`` is sales accepting the lead)
_STAGE_EVENTS: Mapping[Stage, str] = {
    Stage.MQL: "lead.mql",
    Stage.SQL: ACCEPTED,
    Stage.RECYCLED: "lead.recycled",
    Stage.DISQUALIFIED: "lead.disqualified",
    Stage.WON: "lead.won",
    Stage.LOST: "lead.lost",
}


def event_types(plan: TransitionPlan) -> list[str]:
    """The events a stage change stands for, in the order they are delivered."""
    if plan.to_stage is Stage.NEW or (plan.from_stage, plan.to_stage) == (Stage.LOST, Stage.SQL):
        return ["lead.reopened"]
    stage_event = _STAGE_EVENTS[plan.to_stage]
    if plan.from_stage is Stage.MQL and plan.to_stage in (Stage.RECYCLED, Stage.DISQUALIFIED):
        return ["lead.rejected", stage_event]
    if plan.to_stage is Stage.SQL:
        return [stage_event, "lead.assigned"]
    return [stage_event]


def event_id(lead_id: int, version: int, event_type: str) -> str:
    """Stable per change: the lead's version only grows, one change at a time."""
    return f"evt_{lead_id}_{version}_{event_type.removeprefix('lead.')}"


def lead_data(lead: LeadRow) -> dict[str, Any]:
    """What every event says about the lead."""
    name = " ".join(part for part in (lead.first_name, lead.last_name) if part) or None
    data: dict[str, Any] = {
        "id": lead.id,
        "email": lead.email,
        "name": name,
        "company": lead.company,
        "stage": lead.stage,
        "score": lead.score,
        "fit": lead.fit_score,
        "engagement": lead.engagement_score,
        "reasons": [dict(reason) for reason in lead.score_reasons],
        "owner": lead.owner_id,
        "source": lead.source,
        "campaign": lead.campaign,
        "version": lead.version,
    }
    return data


def build_event(event_type: str, lead: LeadRow, plan: TransitionPlan) -> dict[str, Any]:
    """The JSON document a subscriber receives (docs/webhooks.md shows examples)."""
    data = lead_data(lead)
    if plan.to_stage is Stage.WON:
        data.update(amount=lead.deal_amount, currency=lead.deal_currency)
    extra: dict[str, Any] = {}
    if event_type == "lead.assigned":
        how = "accepted" if plan.actor.id == lead.owner_id else "assigned"
        extra["assignment"] = {"owner": lead.owner_id, "by": str(plan.actor), "how": how}
    event: dict[str, Any] = {
        "type": event_type,
        "id": event_id(lead.id, lead.version, event_type),
        "occurred_at": _iso(plan.at),
        "data": {
            "lead": data,
            **extra,
            "transition": {
                "from": plan.from_stage.value,
                "to": plan.to_stage.value,
                "actor": str(plan.actor),
                "reason": plan.reason,
                "note": plan.note,
                "at": _iso(plan.at),
            },
        },
    }
    if event_type == ACCEPTED:
        event["data"]["qualification"] = [answer.as_dict() for answer in plan.answers]
    return event


def _iso(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def dedupe_key(subscriber: str, event: Mapping[str, Any]) -> str:
    return f"webhook:{subscriber}:{event['id']}"


class OutboundWebhooks:
    """The ``TransitionEffect`` that queues each event for every subscriber wanting it.

    The outbox ``target`` is the subscriber's name: the delivery worker keeps
    one lane per target, so a subscriber answering 429 is paused as a whole.
    """

    def __init__(self, subscribers: Sequence[Subscriber]) -> None:
        self._subscribers = list(subscribers)

    def __call__(self, conn: Connection, lead: LeadRow, plan: TransitionPlan) -> None:
        for event_type in event_types(plan):
            event = build_event(event_type, lead, plan)
            for subscriber in self._subscribers:
                if event_type in subscriber.events:
                    queue_event(conn, subscriber.name, event, lead.id)


def queue_event(conn: Connection, subscriber: str, event: Mapping[str, Any], lead_id: int) -> None:
    """One delivery of ``event`` to ``subscriber``, in the caller's transaction."""
    outbox.enqueue(
        conn,
        kind=WEBHOOK,
        dedupe_key=dedupe_key(subscriber, event),
        target=subscriber,
        payload={"subscriber": subscriber, "event": event},
        lead_id=lead_id,
    )


class OutboundOffers:
    """The ``OfferEffect``: each offer of a lead to a rep is a ``lead.offered``."""

    def __init__(self, subscribers: Sequence[Subscriber]) -> None:
        self._subscribers = [s.name for s in subscribers if "lead.offered" in s.events]

    def __call__(self, conn: Connection, lead: LeadRow, move: OfferMove) -> None:
        offer = move.offer
        if offer is None or not self._subscribers:
            return  # fell back to the channel: nobody is offered it
        previous = (
            {"user": move.ended.user_id, "outcome": move.step.value}
            if move.ended is not None and move.step is not None
            else None
        )
        event = {
            "type": "lead.offered",
            "id": f"{event_id(lead.id, lead.version, 'lead.offered')}_{len(move.history)}",
            "occurred_at": _iso(move.at),
            "data": {
                "lead": lead_data(lead),
                "offer": {
                    "team": offer.team,
                    "mode": move.mode,
                    "user": offer.user_id,
                    "reason": offer.reason,
                    "account": offer.account,
                    "offered_at": _iso(offer.offered_at),
                    "expires_at": _iso(offer.expires_at),
                    "previous": previous,
                },
            },
        }
        for name in self._subscribers:
            queue_event(conn, name, event, lead.id)


class OutboundHandovers:
    """The ``HandoverEffect``: an SQL given to another owner is a ``lead.assigned``."""

    def __init__(self, subscribers: Sequence[Subscriber]) -> None:
        self._subscribers = [s.name for s in subscribers if "lead.assigned" in s.events]

    def __call__(self, conn: Connection, lead: LeadRow, actor: Actor, now: datetime) -> None:
        event = {
            "type": "lead.assigned",
            "id": event_id(lead.id, lead.version, "lead.assigned"),
            "occurred_at": _iso(now),
            "data": {
                "lead": lead_data(lead),
                "assignment": {"owner": lead.owner_id, "by": str(actor), "how": "handed_over"},
            },
        }
        for name in self._subscribers:
            queue_event(conn, name, event, lead.id)


def erasure_event(lead: LeadRow, now: datetime) -> dict[str, Any]:
    """``lead.erased``: the lead's id only; its id names the version the erasure gives the lead."""
    erased = {"id": lead.id, "version": lead.version + 1}
    return {
        "type": "lead.erased",
        "id": event_id(lead.id, lead.version + 1, "lead.erased"),
        "occurred_at": _iso(now),
        "data": {"lead": erased},
    }


class WebhookErasure:
    """The webhooks component's ``ErasureEffect``."""

    def __init__(self, subscribers: Sequence[Subscriber]) -> None:
        self._subscribers = list(subscribers)

    def __call__(self, conn: Connection, lead: LeadRow, now: datetime) -> str | None:
        cancelled = outbox.cancel_pending(conn, lead.id, WEBHOOK, reason=NOT_SENT)
        event = erasure_event(lead, now)
        told = [s.name for s in self._subscribers if "lead.erased" in s.events]
        for name in told:
            queue_event(conn, name, event, lead.id)
        parts = [f"lead.erased goes to {', '.join(told)}"] if told else []
        if cancelled:
            events = "event" if cancelled == 1 else "events"
            parts.append(f"{cancelled} webhook {events} not yet delivered will never be sent")
        return "; ".join(parts) or None
