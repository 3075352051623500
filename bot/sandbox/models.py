"""The records a sandbox workspace holds, each able to render itself as Slack does."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any


class SlackError(Exception):
    """A Web API error, carrying Slack's error code (``channel_not_found``…)."""

    def __init__(self, error: str) -> None:
        super().__init__(error)
        self.error = error


def with_block_ids(blocks: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Slack gives every block without a ``block_id`` a random one; interactions report it."""
    return [
        b if "block_id" in b else {**b, "block_id": secrets.token_urlsafe(4)} for b in blocks or []
    ]


@dataclass(frozen=True)
class User:
    id: str
    name: str
    real_name: str
    usergroups: tuple[str, ...] = ()
    is_bot: bool = False
    email: str | None = None

    def to_slack(self, team_id: str) -> dict[str, Any]:
        profile: dict[str, Any] = {
            "real_name": self.real_name,
            "display_name": self.name,
            "real_name_normalized": self.real_name,
            "display_name_normalized": self.name,
        }
        if self.email:
            profile["email"] = self.email
        return {
            "id": self.id,
            "team_id": team_id,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": False,
            "is_bot": self.is_bot,
            "is_admin": False,
            "tz": "UTC",
            "tz_offset": 0,
            "profile": profile,
        }


@dataclass(frozen=True)
class Channel:
    id: str
    name: str
    is_private: bool = False
    created: int = 1_700_000_000
    #: a direct-message channel between the bot and this user
    im_user: str | None = None

    def to_slack(self) -> dict[str, Any]:
        if self.im_user is not None:
            return {"id": self.id, "is_im": True, "user": self.im_user, "created": self.created}
        return {
            "id": self.id,
            "name": self.name,
            "name_normalized": self.name,
            "is_channel": not self.is_private,
            "is_group": self.is_private,
            "is_im": False,
            "is_private": self.is_private,
            "is_archived": False,
            "is_member": True,
            "created": self.created,
        }


@dataclass
class Message:
    """A message in a channel; mutable because ``chat.update`` edits it in place."""

    channel: str
    ts: str
    user: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None
    metadata: dict[str, Any] | None = None
    bot_id: str | None = None
    app_id: str | None = None
    team: str | None = None
    edited_ts: str | None = None
    replies: list[str] = field(default_factory=list)

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_slack(self, *, with_metadata: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "message", "user": self.user, "text": self.text}
        if self.bot_id:
            out.update(bot_id=self.bot_id, app_id=self.app_id)
        out.update(ts=self.ts, team=self.team, blocks=self.blocks)
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.replies:
            out.update(reply_count=len(self.replies), latest_reply=self.replies[-1])
        if self.edited_ts:
            out["edited"] = {"user": self.user, "ts": self.edited_ts}
        if with_metadata and self.metadata:
            out["metadata"] = self.metadata
        return out


@dataclass(frozen=True)
class Ephemeral:
    """A message only ``user`` sees; Slack never lets the app read it back."""

    channel: str
    user: str
    ts: str
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    thread_ts: str | None = None


@dataclass
class View:
    """An open modal. ``root_id`` groups a stack of pushed views."""

    id: str
    user: str
    root_id: str
    previous_id: str | None
    payload: dict[str, Any]
    hash: str
    external_id: str | None = None

    def to_slack(self, team_id: str, app_id: str, bot_id: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "team_id": team_id,
            "type": self.payload.get("type", "modal"),
            "title": self.payload.get("title"),
            "submit": self.payload.get("submit"),
            "close": self.payload.get("close"),
            "blocks": self.payload.get("blocks", []),
            "private_metadata": self.payload.get("private_metadata", ""),
            "callback_id": self.payload.get("callback_id", ""),
            "external_id": self.external_id or "",
            "state": {"values": {}},
            "hash": self.hash,
            "clear_on_close": bool(self.payload.get("clear_on_close", False)),
            "notify_on_close": bool(self.payload.get("notify_on_close", False)),
            "root_view_id": self.root_id,
            "previous_view_id": self.previous_id,
            "app_id": app_id,
            "app_installed_team_id": team_id,
            "bot_id": bot_id,
        }


@dataclass(frozen=True)
class ResponseTarget:
    """Where a ``response_url`` answers: the user's view of a channel, maybe one message."""

    user: str
    channel: str
    message_ts: str | None = None


@dataclass(frozen=True)
class ApiCall:
    """One Web API request as the sandbox received and answered it.

    ``params`` merges query string and body, with JSON-encoded arguments
    (``blocks``, ``metadata``, ``view``…) decoded and the token left out.
    """

    method: str
    params: dict[str, Any]
    at: float
    status: int
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.status == 200 and self.error is None


@dataclass(frozen=True)
class Change:
    """What just changed, for live views of the workspace.

    ``kind`` is one of ``call``, ``message``, ``message_changed``,
    ``message_deleted``, ``ephemeral``, ``view_opened``, ``view_updated``,
    ``view_closed``.
    """

    kind: str
    channel: str | None = None
    ts: str | None = None
    user: str | None = None
    view_id: str | None = None
    method: str | None = None
