"""A clock a test can move: the app reads it wherever it asks for the time."""

from __future__ import annotations

from datetime import UTC, datetime


class SettableClock:
    def __init__(self, now: datetime | None = None) -> None:
        self._now = now

    def __call__(self) -> datetime:
        return self._now or datetime.now(UTC)

    def set(self, now: datetime | None) -> None:
        """Stop the clock at ``now``; None lets it run with the real time again."""
        self._now = now
