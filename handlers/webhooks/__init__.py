"""Lead webhooks: ``POST /webhooks/{source}``, verified and validated before anything is stored."""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from handlers.webhooks.generic import receive_webhook


def routes() -> list[BaseRoute]:
    return [Route("/webhooks/{source}", receive_webhook, methods=["POST"])]
