"""Signing and sending events to a leadbot webhook, as a lead source would.

Used by ``leadbot send-test-event`` and ``leadbot demo``, and by anyone wiring
a new source by hand: it is the reference for the Standard Webhooks headers.
"""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any

import httpx
from standardwebhooks import Webhook


def signed_request(
    secret: str, document: Any, *, msg_id: str | None = None, at: datetime | None = None
) -> tuple[dict[str, str], bytes]:
    """Headers and body for ``document`` signed with ``secret`` (``whsec_…``)."""
    body = json.dumps(document, separators=(",", ":"), ensure_ascii=False)
    msg_id = msg_id or f"msg_{uuid.uuid4().hex}"
    at = at or datetime.now(UTC)
    headers = {
        "content-type": "application/json",
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(at.timestamp())),
        "webhook-signature": Webhook(secret).sign(msg_id, at, body),
    }
    return headers, body.encode()


def send_event(
    client: httpx.Client, url: str, secret: str, document: Any, *, msg_id: str | None = None
) -> httpx.Response:
    headers, body = signed_request(secret, document, msg_id=msg_id)
    return client.post(url, content=body, headers=headers)


def example_event(email: str = "jane.doe@example.com") -> dict[str, Any]:
    """A demo request from a VP at a mid-sized company: the typical hot lead."""
    return {
        "type": "lead.activity",
        "lead": {
            "email": email,
            "first_name": "Jane",
            "last_name": "Doe",
            "job_title": "VP of Marketing",
            "company": "Example GmbH",
            "company_size": "201-500",
            "country": "Germany",
            "source": "website",
        },
        "activity": {"type": "demo_request", "properties": {"page": "/demo"}},
    }
