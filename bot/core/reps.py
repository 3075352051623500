"""Per-rep numbers from the routing audit trail: what ``/leads team``, stats and digests show.

For each rep, over a window: leads offered to them, and how the offers
ended — accepted, rejected, passed, timed out, or withdrawn (someone else
decided first). *Time to decide* is the median time from an offer to the
rep's answer (accept, reject or pass); *SLA breaches* count the rep's
decisions that came after the lead's SLA (``slack.sla``); the *accept rate*
is accepted ÷ offers that ended.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from statistics import median
from typing import Protocol

from bot.core.offers import ANSWERED, Step


class RoutingEventLike(Protocol):
    """A step of the audit trail (``storage.routing.EventRow`` is one)."""

    @property
    def user_id(self) -> str | None: ...
    @property
    def kind(self) -> str: ...
    @property
    def at(self) -> datetime: ...
    @property
    def actor(self) -> str | None: ...
    @property
    def reason(self) -> str | None: ...
    @property
    def seconds(self) -> float | None: ...
    @property
    def late(self) -> bool: ...


@dataclass
class RepNumbers:
    user_id: str
    offers: int = 0
    accepted: int = 0
    rejected: int = 0
    passed: int = 0
    timed_out: int = 0
    withdrawn: int = 0
    sla_breaches: int = 0
    answer_seconds: list[float] = field(default_factory=list)

    @property
    def median_decision(self) -> timedelta | None:
        return timedelta(seconds=median(self.answer_seconds)) if self.answer_seconds else None

    @property
    def ended(self) -> int:
        return self.accepted + self.rejected + self.passed + self.timed_out + self.withdrawn

    @property
    def accept_rate(self) -> float | None:
        return self.accepted / self.ended if self.ended else None


_COUNTED = {
    Step.OFFERED: "offers",
    Step.ACCEPTED: "accepted",
    Step.REJECTED: "rejected",
    Step.PASSED: "passed",
    Step.TIMED_OUT: "timed_out",
    Step.WITHDRAWN: "withdrawn",
}


def tally(events: Iterable[RoutingEventLike]) -> list[RepNumbers]:
    """Each rep's numbers over ``events``, most offers first."""
    reps: dict[str, RepNumbers] = {}
    for event in events:
        if event.user_id is None or event.kind not in _COUNTED:
            continue
        rep = reps.setdefault(event.user_id, RepNumbers(event.user_id))
        step = Step(event.kind)
        name = _COUNTED[step]
        setattr(rep, name, getattr(rep, name) + 1)
        if step in ANSWERED and event.seconds is not None:
            rep.answer_seconds.append(event.seconds)
        if event.late:
            rep.sla_breaches += 1
    return sorted(reps.values(), key=lambda rep: (-rep.offers, rep.user_id))
