"""The record of what happened in a sandbox workspace, and a way to be told about it.

The Web API stand-in runs on its own thread and event loop while tests and
the sandbox page watch from theirs, so state is guarded by one re-entrant
lock and observers subscribe to changes instead of polling.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Callable
from typing import Any

from bot.sandbox.models import ApiCall, Change

log = logging.getLogger(__name__)

Listener = Callable[[Change], None]


class Journal:
    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self.clock = clock
        self.lock = threading.RLock()
        self._calls: list[ApiCall] = []
        self._listeners: list[Listener] = []

    def record(
        self, method: str, params: dict[str, Any], status: int, error: str | None
    ) -> ApiCall:
        call = ApiCall(method, params, self.clock(), status, error)
        with self.lock:
            self._calls.append(call)
        self.notify(Change("call", method=method))
        return call

    def calls(self, method: str | None = None) -> list[ApiCall]:
        with self.lock:
            return [c for c in self._calls if method is None or c.method == method]

    def subscribe(self, listener: Listener) -> Callable[[], None]:
        """Call ``listener`` after every change, on the thread that made it.

        Listeners must be quick and must not block; an asyncio consumer hands
        the change over with ``loop.call_soon_threadsafe``. Returns the
        function that unsubscribes.
        """
        with self.lock:
            self._listeners.append(listener)

        def unsubscribe() -> None:
            with self.lock:
                if listener in self._listeners:
                    self._listeners.remove(listener)

        return unsubscribe

    def notify(self, change: Change) -> None:
        with self.lock:
            listeners = list(self._listeners)
        for listener in listeners:
            try:
                listener(change)
            except Exception:  # one broken observer must not break the API
                log.exception("sandbox listener failed on %s", change.kind)

    async def wait_until(self, predicate: Callable[[], bool], timeout: float = 5.0) -> None:
        """Wait, without polling, until ``predicate()`` holds; ``TimeoutError`` otherwise."""
        loop = asyncio.get_running_loop()
        changed = asyncio.Event()

        def wake(_: Change) -> None:
            if not loop.is_closed():
                loop.call_soon_threadsafe(changed.set)

        unsubscribe = self.subscribe(wake)
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await changed.wait()
                    changed.clear()
        finally:
            unsubscribe()

    async def wait_for_calls(
        self, method: str, count: int = 1, timeout: float = 5.0
    ) -> list[ApiCall]:
        """Wait until ``method`` has been called ``count`` times; returns all its calls."""
        try:
            await self.wait_until(lambda: len(self.calls(method)) >= count, timeout)
        except TimeoutError:
            seen = [c.method for c in self.calls()]
            raise TimeoutError(
                f"{count} × {method} not seen in {timeout} s; calls: {seen}"
            ) from None
        return self.calls(method)
