"""The outbound webhooks feature as an app component: the effect and its own delivery worker.

Webhook rows are delivered by an ``OutboxWorker`` of their own, next to the
one that sends Slack rows; each claims only its own ``kind``. A separate
worker because the two differ where the worker is configured, not where the
sender is: webhooks retry on the Standard Webhooks schedule (hours apart,
for a day) while Slack calls retry within seconds, and neither queue's
backlog should take the other's room in memory.
"""

from __future__ import annotations

from datetime import timedelta

import httpx
from standardwebhooks import Webhook

from bot.config.rules import LeadbotConfig
from bot.delivery.worker import DeliveryConfig, OutboxWorker
from bot.leads.effects import Effects
from bot.outbound.events import (
    WEBHOOK,
    OutboundHandovers,
    OutboundOffers,
    OutboundWebhooks,
    WebhookErasure,
)
from bot.outbound.sender import TIMEOUT, WebhookRetry, WebhookSender
from bot.runtime.component import Component
from bot.runtime.services import Services

#: no up-front pacing (subscribers answer 429 when they need a pause)
DELIVERY = DeliveryConfig(per_second=100, burst=100, retry=WebhookRetry(), poll_interval=1.0)


def effects(config: LeadbotConfig) -> Effects:
    """Stage changes, offers and handovers become events; an erasure cancels and tells them."""
    subscribers = config.webhooks.subscribers
    erasure = Effects(erasure=(WebhookErasure(subscribers),))
    if not subscribers:
        return erasure
    return erasure + Effects(
        transition=(OutboundWebhooks(subscribers),),
        offer=(OutboundOffers(subscribers),),
        handover=(OutboundHandovers(subscribers),),
    )


class WebhooksComponent(Component):
    name = "webhooks"

    def __init__(
        self,
        services: Services,
        *,
        delivery: DeliveryConfig | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        """Reads every subscriber's secret now, so a missing one stops start-up.

        ``delivery`` (its ``retry`` above all) is what tests shorten.
        """
        delivery = delivery or DELIVERY
        subscribers = services.config.webhooks.subscribers
        signers = {s.name: Webhook(s.signing_secret()) for s in subscribers}
        self._client = client or httpx.AsyncClient(timeout=TIMEOUT, follow_redirects=False)
        sender = WebhookSender(
            self._client,
            services.engine,
            {s.name: s.url for s in subscribers},
            signers,
            give_up_after=timedelta(seconds=delivery.retry.total_wait()),
        )
        self.worker = OutboxWorker(
            services.engine,
            senders={WEBHOOK: sender},
            doorbell=services.doorbell,
            config=delivery,
        )

    async def start(self) -> None:
        """Runs even without subscribers, so rows of a removed one are dead-lettered."""
        await self.worker.start()

    async def stop(self) -> None:
        await self.worker.stop()
        await self._client.aclose()
