"""The objects a running app shares with its request handlers.

Handlers receive this through ``request.app.state.ctx`` rather than reaching
for globals, so each test can build an app with its own database and clock.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.engine import Engine
from standardwebhooks import Webhook

from bot.config import Settings
from bot.ingest import EventWriter
from bot.metrics import Metrics


@dataclass
class AppContext:
    settings: Settings
    engine: Engine
    writer: EventWriter
    metrics: Metrics
    webhook: Webhook
