"""Background asyncio tasks of the running app."""

from __future__ import annotations

import asyncio
import contextlib


async def cancel(task: asyncio.Task[object] | None) -> None:
    """Stop ``task`` and wait until it has stopped (a finished or missing task is fine)."""
    if task is None:
        return
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
