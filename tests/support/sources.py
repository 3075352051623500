"""Deliveries as each lead-source vendor makes them, and what they left in the database."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
from sqlalchemy import select

from bot.sources.registry import SOURCES
from storage.models import Activity, Event, Lead

if TYPE_CHECKING:
    from tests.support.ingest import LiveApp

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "lead_sources"

#: the secrets tests turn each source on with (Typeform's is its published vector's)
SECRETS = {
    "typeform_secret": "123456",
    "tally_secret": "tally-test-signing-secret",
    "webflow_secret": "webflow-test-secret-key",
    "calendly_secret": "calendly-test-signing-key",
    "segment_secret": "segment-test-shared-secret",
    "unbounce_token": "unbounce-test-token-0123456789",
}


def fixture(vendor: str, name: str) -> bytes:
    return (FIXTURES / vendor / name).read_bytes()


def secret_of(name: str) -> str:
    return SECRETS[SOURCES[name].setting]


def deliver(
    app: LiveApp,
    name: str,
    body: bytes,
    *,
    at: datetime | None = None,
    headers: dict[str, str | None] | None = None,
    path: str | None = None,
) -> httpx.Response:
    """POST ``body`` to the source's route, signed as the vendor signs it.

    ``headers`` replace the signed ones (``None`` removes one).
    """
    source = SOURCES[name]
    secret = secret_of(name)
    signed = {k.lower(): v for k, v in source.sign(body, secret, at or datetime.now(UTC)).items()}
    signed.update({k.lower(): v for k, v in (headers or {}).items()})
    signed = {k: v for k, v in signed.items() if v is not None}
    if path is None:
        path = f"{source.path}/{secret}" if source.token_in_url else source.path
    return app.client.post(f"{app.url}{path}", content=body, headers=signed)


def leads(app: LiveApp) -> dict[str, dict[str, Any]]:
    with app.engine.connect() as conn:
        rows = conn.execute(select(Lead.__table__)).mappings()
        return {row["email"]: dict(row) for row in rows}


def activities(app: LiveApp) -> list[dict[str, Any]]:
    with app.engine.connect() as conn:
        rows = conn.execute(select(Activity.__table__).order_by(Activity.id)).mappings()
        return [dict(row) for row in rows]


def events(app: LiveApp) -> list[dict[str, Any]]:
    with app.engine.connect() as conn:
        rows = conn.execute(select(Event.__table__).order_by(Event.id)).mappings()
        return [dict(row) for row in rows]
