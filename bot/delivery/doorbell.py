"""The doorbell a commit rings so delivery workers look for new outbox rows at once.

Workers poll the outbox table anyway; the doorbell only makes them look
sooner. It is rung from whatever thread committed (the ingest writer, a
database thread of a Slack listener) and each listening worker is woken on
its own event loop.
"""

from __future__ import annotations

import threading
from collections.abc import Callable


class Doorbell:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._listeners: tuple[Callable[[], None], ...] = ()

    def listen(self, wake: Callable[[], None]) -> Callable[[], None]:
        """Call ``wake`` (thread-safe) on every ring; returns the function that stops it."""
        with self._lock:
            self._listeners = (*self._listeners, wake)

        def stop() -> None:
            with self._lock:
                self._listeners = tuple(w for w in self._listeners if w is not wake)

        return stop

    def ring(self) -> None:
        for wake in self._listeners:
            wake()
