"""Requests to a Bolt app's ``/slack/events`` built and signed exactly as Slack sends them.

Slash commands arrive as url-encoded forms; interactivity (``block_actions``,
``view_submission``) arrives as a form with one ``payload`` field holding
JSON. Both are signed with ``v0=`` + HMAC-SHA256 of ``v0:{timestamp}:{body}``.
The payload builders here take plain dicts; ``bot.sandbox.interactions``
fills them from a workspace.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from slack_sdk.signature import SignatureVerifier

FORM_CONTENT_TYPE = "application/x-www-form-urlencoded"
EVENTS_PATH = "/slack/events"


@dataclass(frozen=True)
class SignedRequest:
    path: str
    headers: dict[str, str]
    body: bytes
    method: str = "POST"

    def httpx_kwargs(self) -> dict[str, Any]:
        """For ``client.request(**req.httpx_kwargs())``, the client's base URL being the app."""
        return {
            "method": self.method,
            "url": self.path,
            "headers": self.headers,
            "content": self.body,
        }


def sign(
    body: bytes,
    signing_secret: str,
    *,
    path: str = EVENTS_PATH,
    content_type: str = FORM_CONTENT_TYPE,
    timestamp: int | None = None,
) -> SignedRequest:
    """Sign ``body`` as Slack does; pass an old ``timestamp`` to test replay protection."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    signature = SignatureVerifier(signing_secret).generate_signature(timestamp=ts, body=body)
    assert signature is not None  # None only without a timestamp or a body
    headers: dict[str, str] = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": signature,
    }
    return SignedRequest(path=path, headers=headers, body=body)


def signed_form(fields: Mapping[str, str], signing_secret: str, **options: Any) -> SignedRequest:
    return sign(urlencode(fields).encode(), signing_secret, **options)


def signed_payload(
    payload: Mapping[str, Any], signing_secret: str, **options: Any
) -> SignedRequest:
    """Interactivity: the JSON goes url-encoded in the ``payload`` form field."""
    return signed_form({"payload": json.dumps(payload)}, signing_secret, **options)


def slash_command_form(
    *,
    command: str,
    text: str,
    user: Mapping[str, Any],
    channel: Mapping[str, Any],
    team: Mapping[str, Any],
    api_app_id: str,
    trigger_id: str,
    response_url: str,
    token: str,
) -> dict[str, str]:
    """The form fields of a slash command, in Slack's order.

    ``user`` has ``id``/``name``, ``channel`` has ``id``/``name``,
    ``team`` has ``id``/``domain``.
    """
    return {
        "token": token,
        "team_id": team["id"],
        "team_domain": team["domain"],
        "channel_id": channel["id"],
        "channel_name": channel["name"],
        "user_id": user["id"],
        "user_name": user["name"],
        "command": command,
        "text": text,
        "api_app_id": api_app_id,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def _actor(user: Mapping[str, Any], team: Mapping[str, Any]) -> dict[str, Any]:
    return {"id": user["id"], "username": user["name"], "name": user["name"], "team_id": team["id"]}


def block_actions_payload(
    *,
    user: Mapping[str, Any],
    team: Mapping[str, Any],
    channel: Mapping[str, Any],
    message: Mapping[str, Any],
    action: Mapping[str, Any],
    block_id: str,
    api_app_id: str,
    trigger_id: str,
    response_url: str,
    token: str,
    action_ts: str,
) -> dict[str, Any]:
    """A click on ``action`` (an element dict) in ``message``, as Slack reports it."""
    clicked: dict[str, Any] = {
        "action_id": action["action_id"],
        "block_id": block_id,
        "type": action["type"],
        "action_ts": action_ts,
    }
    for key in ("text", "value", "style"):
        if key in action:
            clicked[key] = action[key]
    return {
        "type": "block_actions",
        "user": _actor(user, team),
        "api_app_id": api_app_id,
        "token": token,
        "container": {
            "type": "message",
            "message_ts": message["ts"],
            "channel_id": channel["id"],
            "is_ephemeral": False,
        },
        "trigger_id": trigger_id,
        "team": {"id": team["id"], "domain": team["domain"]},
        "enterprise": None,
        "is_enterprise_install": False,
        "channel": {"id": channel["id"], "name": channel["name"]},
        "message": dict(message),
        "state": {"values": {}},
        "response_url": response_url,
        "actions": [clicked],
    }


def view_submission_payload(
    *,
    user: Mapping[str, Any],
    team: Mapping[str, Any],
    view: Mapping[str, Any],
    values: Mapping[str, Mapping[str, Mapping[str, Any]]],
    api_app_id: str,
    trigger_id: str,
    token: str,
) -> dict[str, Any]:
    """A modal submission; ``values`` is ``state.values`` (block id → action id → value)."""
    return {
        "type": "view_submission",
        "team": {"id": team["id"], "domain": team["domain"]},
        "user": _actor(user, team),
        "api_app_id": api_app_id,
        "token": token,
        "trigger_id": trigger_id,
        "view": {**view, "state": {"values": {k: dict(v) for k, v in values.items()}}},
        "response_urls": [],
        "is_enterprise_install": False,
        "enterprise": None,
    }
