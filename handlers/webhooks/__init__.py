"""Lead webhooks: ``POST /webhooks/{source}``, verified and validated before anything is stored.

Each native lead source has a route of its own (``sources.py``), listed before
the generic one, which answers every other name (and 404 for unknown ones).
"""

from __future__ import annotations

from starlette.routing import BaseRoute, Route

from handlers.webhooks.generic import receive_webhook
from handlers.webhooks.sources import source_routes


def routes() -> list[BaseRoute]:
    return [*source_routes(), Route("/webhooks/{source}", receive_webhook, methods=["POST"])]
