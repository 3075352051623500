"""Interactivity requests as Slack sends them to ``/slack/events``, signed.

Written from Slack's documented payloads (``block_actions``,
``view_submission``), not from the sandbox's builders, for the same reason
the Slack fake is separate.
"""

from __future__ import annotations

import json
import time
import uuid
from typing import Any
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from tests.chaos.slack_fake import TEAM

SIGNING_SECRET = "chaos-signing-secret"
ACCEPT, REJECT = "lead_accept", "lead_reject"


def _post(base_url: str, payload: dict[str, Any]) -> int:
    body = urlencode({"payload": json.dumps(payload)})
    ts = str(int(time.time()))
    headers = {
        "content-type": "application/x-www-form-urlencoded",
        "x-slack-request-timestamp": ts,
        "x-slack-signature": str(
            SignatureVerifier(SIGNING_SECRET).generate_signature(timestamp=ts, body=body)
        ),
    }
    response = httpx.post(f"{base_url}/slack/events", content=body, headers=headers, timeout=10)
    return response.status_code


def _interaction(kind: str, user: str, **fields: Any) -> dict[str, Any]:
    """The envelope every interactivity payload shares, around ``fields``."""
    return {
        "type": kind,
        "user": {"id": user, "username": user.lower(), "name": user.lower(), "team_id": TEAM},
        "api_app_id": "A0CHAOS",
        "token": "unused-verification-token",
        "trigger_id": f"{uuid.uuid4().int % 10**12}.{TEAM}",
        "team": {"id": TEAM, "domain": "chaos"},
        **fields,
    }


def click(base_url: str, user: str, channel: str, ts: str, lead_id: str) -> int:
    """``user`` presses Accept on the card ``ts`` in ``channel``."""
    action = {
        "action_id": ACCEPT,
        "block_id": "lead_decision",
        "type": "button",
        "value": lead_id,
        "action_ts": f"{time.time():.6f}",
    }
    payload = _interaction(
        "block_actions",
        user,
        container={"type": "message", "message_ts": ts, "channel_id": channel},
        channel={"id": channel, "name": channel.lower()},
        message={"type": "message", "ts": ts, "text": ""},
        response_url="https://hooks.chaos.example/unused",
        actions=[action],
    )
    return _post(base_url, payload)


def submit_reject(base_url: str, user: str, channel: str, ts: str, lead_id: str) -> int:
    """``user`` submits the reject modal for lead ``lead_id`` with the reason "not a fit"."""
    payload = _interaction(
        "view_submission",
        user,
        view={
            "id": f"V{uuid.uuid4().hex[:10].upper()}",
            "type": "modal",
            "callback_id": "lead_reject_modal",
            "private_metadata": json.dumps({"lead_id": lead_id, "channel": channel, "ts": ts}),
            "state": {
                "values": {
                    "reject_reason": {
                        "reason": {
                            "type": "static_select",
                            "selected_option": {"value": "not_a_fit"},
                        }
                    },
                    "reject_note": {"note": {"type": "plain_text_input", "value": "chaos"}},
                }
            },
        },
    )
    return _post(base_url, payload)
