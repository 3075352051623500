"""A live leadbot app on loopback, and counts of what it stored."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import httpx
from sqlalchemy import func, select
from sqlalchemy.engine import Engine
from standardwebhooks import Webhook

from bot.app import Features, create_app
from bot.config.rules import LeadbotConfig
from bot.config.settings import Settings
from bot.demo.client import signed_request
from bot.runtime.services import Services
from bot.runtime.serving import ThreadedServer
from storage.db import make_engine
from storage.models import Activity, Event, Lead

SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"  # the Standard Webhooks spec's example key


@dataclass
class LiveApp:
    url: str
    engine: Engine
    client: httpx.Client
    services: Services

    def post(
        self, document: Any, *, msg_id: str | None = None, secret: str = SECRET
    ) -> httpx.Response:
        headers, body = signed_request(secret, document, msg_id=msg_id)
        return self.client.post(f"{self.url}/webhooks/generic", content=body, headers=headers)

    def post_json_text(self, text: str, *, msg_id: str | None = None) -> httpx.Response:
        """Sign and send JSON text as written (escapes such as ``\\ud800`` included)."""
        headers, _ = signed_request(SECRET, None, msg_id=msg_id)
        at = datetime.fromtimestamp(int(headers["webhook-timestamp"]), UTC)
        headers["webhook-signature"] = Webhook(SECRET).sign(headers["webhook-id"], at, text)
        return self.client.post(
            f"{self.url}/webhooks/generic", content=text.encode(), headers=headers
        )

    def counts(self) -> dict[str, int]:
        with self.engine.connect() as conn:
            return {
                model.__tablename__: conn.execute(
                    select(func.count()).select_from(model)
                ).scalar_one()
                for model in (Event, Lead, Activity)
            }


@contextmanager
def live_app(
    db_url: str,
    *,
    features: Features | None = None,
    rules: LeadbotConfig | None = None,
    **settings: Any,
) -> Iterator[LiveApp]:
    engine = make_engine(db_url)
    config = Settings(database_url=db_url, webhook_secret=SECRET, **settings)
    app = create_app(config, engine=engine, config=rules, features=features)
    with ThreadedServer(app) as server, httpx.Client(timeout=10) as client:
        yield LiveApp(server.url, engine, client, app.state.services)
    engine.dispose()


def activity_event(email: str = "jane@example.com", **lead: Any) -> dict[str, Any]:
    return {
        "type": "lead.activity",
        "lead": {"email": email, **lead},
        "activity": {"type": "demo_request", "properties": {"page": "/demo"}},
    }


#: an app that only ingests: no Slack, no outbound webhooks, no sandbox
INGEST_ONLY = Features(slack=False, webhooks=False, sandbox=False)
