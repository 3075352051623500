"""The in-memory state of a sandbox Slack workspace: people, channels, messages, modals.

One ``Workspace`` is shared by the Web API stand-in (which runs on its own
thread and event loop), by tests and by the sandbox page; it is a
``Journal``, so every change is recorded under one lock and announced to
subscribers.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any

from bot.sandbox.journal import Journal
from bot.sandbox.models import (
    Change,
    Channel,
    Ephemeral,
    Message,
    ResponseTarget,
    SlackError,
    User,
    with_block_ids,
)
from bot.sandbox.views import Views


class Workspace(Journal):
    def __init__(
        self,
        *,
        team_id: str = "T0LEADBOT",
        team_name: str = "leadbot",
        bot_user_id: str = "U0LEADBOT",
        bot_id: str = "B0LEADBOT",
        app_id: str = "A0LEADBOT",
        trigger_ttl: float = 3.0,
        clock: Callable[[], float] = time.time,
    ) -> None:
        super().__init__(clock)
        self.team_id, self.team_name = team_id, team_name
        self.bot_user_id, self.bot_id, self.app_id = bot_user_id, bot_id, app_id
        self.views = Views(self, trigger_ttl)
        self._channels: dict[str, Channel] = {}
        self._users: dict[str, User] = {}
        self._messages: dict[str, dict[str, Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._response_targets: dict[str, ResponseTarget] = {}
        self._last_ts_us = 0
        self.add_user(bot_user_id, "leadbot", "leadbot", is_bot=True)

    @classmethod
    def demo(cls) -> Workspace:
        """Marketing and sales channels and three people (two in ``S0SALES``)."""
        ws = cls()
        for channel_id, name in [
            ("C0MARKETING", "marketing"),
            ("C0SALES", "sales"),
            ("C0URGENT", "sales-urgent"),
            ("C0ESCALATION", "sales-escalation"),
        ]:
            ws.add_channel(channel_id, name)
        ws.add_user("U0ALICE", "alice", "Alice Martin", usergroups=("S0SALES",))
        ws.add_user("U0BOB", "bob", "Bob Chen", usergroups=("S0SALES",))
        ws.add_user("U0CAROL", "carol", "Carol Diaz", usergroups=("S0MARKETING",))
        return ws

    # -- directory --------------------------------------------------------

    def add_channel(self, channel_id: str, name: str, *, is_private: bool = False) -> Channel:
        channel = Channel(channel_id, name.lstrip("#"), is_private=is_private)
        with self.lock:
            self._channels[channel_id] = channel
            self._messages.setdefault(channel_id, {})
        return channel

    def add_user(
        self,
        user_id: str,
        name: str,
        real_name: str,
        *,
        usergroups: Iterable[str] = (),
        is_bot: bool = False,
        email: str | None = None,
    ) -> User:
        user = User(user_id, name, real_name, tuple(usergroups), is_bot=is_bot, email=email)
        with self.lock:
            self._users[user_id] = user
        return user

    def channel(self, ref: str) -> Channel:
        """Find a channel by id, ``name`` or ``#name``, as ``chat.postMessage`` accepts."""
        with self.lock:
            if ref in self._channels:
                return self._channels[ref]
            name = ref.lstrip("#")
            for channel in self._channels.values():
                if channel.name == name and channel.im_user is None:
                    return channel
        raise SlackError("channel_not_found")

    def direct(self, user_id: str) -> Channel:
        """The bot's direct messages with ``user_id``, opened on first use as Slack does."""
        with self.lock:
            user = self.user(user_id)
            channel_id = "D" + user.id[1:]
            if channel_id not in self._channels:
                self._channels[channel_id] = Channel(channel_id, "direct messages", im_user=user.id)
                self._messages[channel_id] = {}
            return self._channels[channel_id]

    def _post_target(self, ref: str) -> Channel:
        """``chat.postMessage`` takes a user id for a direct message to that person."""
        with self.lock:
            if ref in self._users and ref not in self._channels:
                return self.direct(ref)
        return self.channel(ref)

    def channels(self) -> list[Channel]:
        with self.lock:
            return list(self._channels.values())

    def user(self, user_id: str) -> User:
        with self.lock:
            if user_id in self._users:
                return self._users[user_id]
        raise SlackError("user_not_found")

    def users(self) -> list[User]:
        with self.lock:
            return list(self._users.values())

    def usergroup_members(self, group_id: str) -> list[str]:
        with self.lock:
            members = [u.id for u in self._users.values() if group_id in u.usergroups]
        if not members:
            raise SlackError("no_such_subteam")
        return members

    # -- messages ---------------------------------------------------------

    def post(
        self,
        channel: str,
        *,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        """Post as the bot, like ``chat.postMessage`` (a user id: a direct message)."""
        with self.lock:
            channel_id = self._post_target(channel).id
            stored = self._messages[channel_id]
            if thread_ts is not None and thread_ts not in stored:
                raise SlackError("thread_not_found")
            message = Message(
                channel=channel_id,
                ts=self._next_ts(),
                user=self.bot_user_id,
                text=text,
                blocks=with_block_ids(blocks),
                thread_ts=thread_ts,
                metadata=metadata,
                bot_id=self.bot_id,
                app_id=self.app_id,
                team=self.team_id,
            )
            stored[message.ts] = message
            if thread_ts is not None:
                parent = stored[thread_ts]
                parent.thread_ts = thread_ts
                parent.replies.append(message.ts)
            posted = _snapshot(message)
        self.notify(Change("message", channel=channel_id, ts=message.ts))
        return posted

    def update(
        self,
        channel: str,
        ts: str,
        *,
        text: str | None = None,
        blocks: list[dict[str, Any]] | None = None,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        with self.lock:
            message = self._live(channel, ts)
            if message.user != self.bot_user_id:
                raise SlackError("cant_update_message")
            if text is not None:
                message.text = text
            if blocks is not None:
                message.blocks = with_block_ids(blocks)
            if metadata is not None:
                message.metadata = metadata
            message.edited_ts = self._next_ts()
            updated = _snapshot(message)
        self.notify(Change("message_changed", channel=message.channel, ts=ts))
        return updated

    def delete(self, channel: str, ts: str) -> Message:
        with self.lock:
            message = self._live(channel, ts)
            del self._messages[message.channel][ts]
            if message.is_reply and message.thread_ts is not None:
                parent = self._messages[message.channel].get(message.thread_ts)
                if parent is not None:
                    parent.replies.remove(ts)
        self.notify(Change("message_deleted", channel=message.channel, ts=ts))
        return message

    def message(self, channel: str, ts: str) -> Message:
        """A copy of the message: reading it never races with a later ``chat.update``."""
        with self.lock:
            return _snapshot(self._live(channel, ts))

    def messages(self, channel: str, *, include_replies: bool = True) -> list[Message]:
        """Messages in ``channel``, oldest first; without replies, as a channel shows them."""
        with self.lock:
            stored = self._messages[self.channel(channel).id].values()
            return [_snapshot(m) for m in stored if include_replies or not m.is_reply]

    def replies(self, channel: str, thread_ts: str) -> list[Message]:
        """The parent message followed by its replies, oldest first."""
        with self.lock:
            parent = self._live(channel, thread_ts)
            stored = self._messages[parent.channel]
            return [_snapshot(m) for m in (parent, *(stored[ts] for ts in parent.replies))]

    def post_ephemeral(
        self,
        channel: str,
        user: str,
        *,
        text: str = "",
        blocks: list[dict[str, Any]] | None = None,
        thread_ts: str | None = None,
    ) -> Ephemeral:
        with self.lock:
            channel_id = self.channel(channel).id
            self.user(user)
            ephemeral = Ephemeral(
                channel_id, user, self._next_ts(), text, with_block_ids(blocks), thread_ts
            )
            self._ephemerals.append(ephemeral)
        self.notify(Change("ephemeral", channel=channel_id, ts=ephemeral.ts, user=user))
        return ephemeral

    def ephemerals(self, *, user: str | None = None, channel: str | None = None) -> list[Ephemeral]:
        with self.lock:
            return [
                e
                for e in self._ephemerals
                if (user is None or e.user == user) and (channel is None or e.channel == channel)
            ]

    def issue_response_token(self, user: str, channel: str, message_ts: str | None = None) -> str:
        """The secret part of a ``response_url``: where an answer to it should land."""
        token = secrets.token_urlsafe(16)
        with self.lock:
            self._response_targets[token] = ResponseTarget(
                user, self.channel(channel).id, message_ts
            )
        return token

    def response_target(self, token: str) -> ResponseTarget:
        with self.lock:
            target = self._response_targets.get(token)
        if target is None:
            raise SlackError("invalid_token")
        return target

    def permalink(self, channel: str, ts: str) -> str:
        message = self.message(channel, ts)
        link = (
            f"https://{self.team_name}.slack.com/archives/{message.channel}/p{ts.replace('.', '')}"
        )
        if message.is_reply:
            link += f"?thread_ts={message.thread_ts}&cid={message.channel}"
        return link

    # -- internals --------------------------------------------------------

    def _live(self, channel: str, ts: str) -> Message:
        found = self._messages[self.channel(channel).id].get(ts)
        if found is None:
            raise SlackError("message_not_found")
        return found

    def _next_ts(self) -> str:
        """Slack-style ``seconds.micros`` timestamps, strictly increasing and unique."""
        self._last_ts_us = max(int(self.clock() * 1_000_000), self._last_ts_us + 1)
        seconds, micros = divmod(self._last_ts_us, 1_000_000)
        return f"{seconds}.{micros:06d}"


def _snapshot(message: Message) -> Message:
    return replace(message, blocks=list(message.blocks), replies=list(message.replies))
