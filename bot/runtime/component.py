"""What a feature plugs into the running app: routes, effects, jobs, start and stop.

``create_app`` builds each feature's component from the shared ``AppContext``
and wires it in, so a feature (Slack handoff, sandbox, outbound webhooks,
digests) lives in its own modules and touches the app only through this shape.
Override only what the feature needs.
"""

from __future__ import annotations

from collections.abc import Sequence

from starlette.routing import BaseRoute

from bot.leads.forget import ErasureEffect
from bot.leads.stage_change import TransitionEffect
from bot.runtime.schedule import Schedule


class Component:
    name = "component"

    def routes(self) -> Sequence[BaseRoute]:
        return ()

    def effects(self) -> Sequence[TransitionEffect]:
        """Run in the transaction of every stage change, in component order."""
        return ()

    def erasure_effects(self) -> Sequence[ErasureEffect]:
        """Run when an admin erases a lead's personal data, before it goes."""
        return ()

    def add_jobs(self, schedule: Schedule) -> None:
        """Declare scheduled jobs."""

    async def start(self) -> None:
        """Start background work; called once at start-up, before requests are served."""

    async def stop(self) -> None:
        """Stop background work, finishing what is in flight."""
