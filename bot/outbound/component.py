"""The outbound webhooks feature as an app component: the effect and its own delivery worker.

Webhook rows are delivered by an ``OutboxWorker`` of their own, next to the
one that sends Slack rows; each claims only its own ``kind``. A separate
worker because the two differ where the worker is configured, not where the
sender is: webhooks retry on the Standard Webhooks schedule (hours apart,
for a day) while Slack calls retry within seconds, and neither queue's
backlog should take the other's room in memory.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import httpx
from standardwebhooks import Webhook

from bot.delivery.worker import DeliveryConfig, OutboxWorker
from bot.leads.forget import ErasureEffect
from bot.leads.stage_change import TransitionEffect
from bot.outbound.events import WEBHOOK, OutboundWebhooks, WebhookErasure
from bot.outbound.sender import TIMEOUT, WebhookRetry, WebhookSender
from bot.runtime.component import Component
from bot.runtime.context import AppContext

#: no up-front pacing (subscribers answer 429 when they need a pause)
DELIVERY = DeliveryConfig(per_second=100, burst=100, retry=WebhookRetry(), poll_interval=1.0)


class WebhooksComponent(Component):
    name = "webhooks"

    def __init__(
        self,
        ctx: AppContext,
        *,
        delivery: DeliveryConfig = DELIVERY,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        """Reads every subscriber's secret now, so a missing one stops start-up.

        ``delivery`` (its ``retry`` above all) is what tests shorten.
        """
        subscribers = ctx.config.webhooks.subscribers
        signers = {s.name: Webhook(s.signing_secret()) for s in subscribers}
        self._client = client or httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
        sender = WebhookSender(
            self._client,
            ctx.engine,
            {s.name: s.url for s in subscribers},
            signers,
            give_up_after=timedelta(seconds=delivery.retry.total_wait()),
            clock=ctx.clock,
        )
        self._effect = OutboundWebhooks(subscribers)
        self._erasure = WebhookErasure(subscribers)
        self._has_subscribers = bool(subscribers)
        self.worker = OutboxWorker(
            ctx.engine,
            senders={WEBHOOK: sender},
            clock=ctx.clock,
            config=delivery,
        )
        ctx.after_commit.append(self.worker.notify)

    def effects(self) -> Sequence[TransitionEffect]:
        return (self._effect,) if self._has_subscribers else ()

    def erasure_effects(self) -> Sequence[ErasureEffect]:
        return (self._erasure,)

    async def start(self) -> None:
        """Runs even without subscribers, so rows of a removed one are dead-lettered."""
        await self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()
        await self._client.aclose()


def webhooks_component(ctx: AppContext) -> Component:
    """The factory ``bot.app.default_components`` lists."""
    return WebhooksComponent(ctx)
