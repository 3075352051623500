"""What a feature plugs into the running app: routes, scheduled jobs, start and stop.

A feature (Slack, digests, outbound webhooks, the sandbox) is built by
``create_app`` from the finished, frozen ``Services``; it never sees another
feature half-built. What a feature does *inside* lead transactions (its
effects) is declared before any feature is built (``bot.leads.effects``).
Override only what the feature needs.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute

from bot.runtime.schedule import Schedule


class Component:
    name = "component"

    def routes(self) -> Sequence[BaseRoute]:
        return ()

    def add_jobs(self, schedule: Schedule) -> None:
        """Declare scheduled jobs."""

    async def start(self) -> None:
        """Start background work; called once at start-up, before requests are served."""

    async def stop(self) -> None:
        """Stop background work, finishing what is in flight."""
