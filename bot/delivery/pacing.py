"""Per-target pacing: Slack allows about one message per second per channel.

A generic cell rate algorithm (a token bucket kept as one timestamp per
target): ``burst`` sends at once, then one every ``1 / per_second``. A 429
pauses the target until its ``Retry-After`` has passed, then lets it resume
at the steady rate, without a burst, so the next answer is not another 429.
Times are ``time.monotonic()`` seconds, passed in, so the arithmetic is
testable without sleeping.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class _Cell:
    #: when the bucket would be full again (the "theoretical arrival time")
    tat: float
    paused_until: float = 0.0


class Pacer:
    def __init__(self, per_second: float, burst: int = 1) -> None:
        if per_second <= 0 or burst < 1:
            raise ValueError("per_second must be positive and burst at least 1")
        self.interval = 1.0 / per_second
        self._tolerance = (burst - 1) * self.interval
        self._cells: dict[str, _Cell] = {}

    def ready_at(self, target: str, now: float) -> float:
        """The earliest time a paced send to ``target`` may go."""
        cell = self._cells.get(target)
        if cell is None:
            return now
        return max(now, cell.tat - self._tolerance, cell.paused_until)

    def resumes_at(self, target: str, now: float) -> float:
        """The earliest time any call to ``target`` may go (only a 429 pause holds it)."""
        cell = self._cells.get(target)
        return max(now, cell.paused_until) if cell else now

    def take(self, target: str, now: float) -> None:
        """Spend one send at ``now`` (which the caller got from ``ready_at``)."""
        cell = self._cells.setdefault(target, _Cell(tat=now))
        cell.tat = max(cell.tat, now) + self.interval

    def pause(self, target: str, until: float) -> None:
        """Hold every call to ``target`` until ``until``, then resume without a burst."""
        cell = self._cells.setdefault(target, _Cell(tat=until))
        cell.paused_until = max(cell.paused_until, until)
        cell.tat = max(cell.tat, until + self._tolerance)

    def blocked(self, now: float, horizon: float) -> list[str]:
        """Targets that cannot send again within ``horizon`` (a backlog or a 429 pause).

        The worker leaves their rows in the table instead of claiming them only
        to hand them back.
        """
        return [
            target
            for target, cell in self._cells.items()
            if max(cell.tat - self._tolerance, cell.paused_until) > now + horizon
        ]
