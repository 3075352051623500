"""Modals in a sandbox workspace: trigger ids and stacks of open views.

Slack only opens a modal in answer to a fresh trigger id (single use, valid
for three seconds) and allows three views per stack; apps that get this
wrong fail in production, so the stand-in enforces the same rules.
"""

from __future__ import annotations

import itertools
import secrets
from typing import Any

from bot.sandbox.journal import Journal
from bot.sandbox.models import Change, SlackError, View, with_block_ids

#: Slack allows at most this many views in one modal stack.
VIEW_STACK_MAX = 3
_USED = -1.0


class Views:
    def __init__(self, journal: Journal, trigger_ttl: float = 3.0) -> None:
        self._journal = journal
        self.trigger_ttl = trigger_ttl
        self._views: dict[str, View] = {}
        self._triggers: dict[str, tuple[str, float]] = {}
        self._ids = itertools.count(1)

    def issue_trigger_id(self, user: str) -> str:
        """A trigger id as Slack puts in interaction payloads: single use, short-lived."""
        with self._journal.lock:
            serial = next(self._ids)
            trigger_id = f"{serial}.{secrets.randbelow(10**12)}.{secrets.token_hex(16)}"
            self._triggers[trigger_id] = (user, self._journal.clock())
        return trigger_id

    def open(self, trigger_id: str, payload: dict[str, Any]) -> View:
        with self._journal.lock:
            user = self._exchange(trigger_id)
            view = self._new(user, None, payload)
        self._journal.notify(Change("view_opened", user=user, view_id=view.id))
        return view

    def push(self, trigger_id: str, payload: dict[str, Any]) -> View:
        with self._journal.lock:
            user = self._exchange(trigger_id)
            stack = self.open_views(user)
            if not stack:
                raise SlackError("not_found")
            if len(stack) >= VIEW_STACK_MAX:
                raise SlackError("push_limit_reached")
            view = self._new(user, stack[-1], payload)
        self._journal.notify(Change("view_opened", user=user, view_id=view.id))
        return view

    def update(
        self,
        payload: dict[str, Any],
        *,
        view_id: str | None = None,
        external_id: str | None = None,
        hash: str | None = None,
    ) -> View:
        with self._journal.lock:
            view = self._find(view_id, external_id)
            if hash is not None and hash != view.hash:
                raise SlackError("hash_conflict")
            view.payload = {**payload, "blocks": with_block_ids(payload.get("blocks"))}
            view.hash = self._new_hash()
            view.external_id = payload.get("external_id") or view.external_id
        self._journal.notify(Change("view_updated", user=view.user, view_id=view.id))
        return view

    def close(self, view_id: str, *, whole_stack: bool = False) -> None:
        """Close a view (and the ones pushed on it), or its whole stack."""
        with self._journal.lock:
            view = self._find(view_id, None)
            stack = [v for v in self._views.values() if v.root_id == view.root_id]
            start = 0 if whole_stack else stack.index(view)
            for closed in stack[start:]:
                del self._views[closed.id]
        self._journal.notify(Change("view_closed", user=view.user, view_id=view_id))

    def get(self, view_id: str) -> View:
        with self._journal.lock:
            return self._find(view_id, None)

    def open_views(self, user: str | None = None) -> list[View]:
        """Open views in the order they were opened; the last one is on top."""
        with self._journal.lock:
            return [v for v in self._views.values() if user is None or v.user == user]

    def _new_hash(self) -> str:
        return f"{int(self._journal.clock())}.{secrets.token_hex(4)}"

    def _exchange(self, trigger_id: str) -> str:
        issued = self._triggers.get(trigger_id)
        if issued is None:
            raise SlackError("invalid_trigger_id")
        user, issued_at = issued
        if issued_at == _USED:
            raise SlackError("exchanged_trigger_id")
        if self._journal.clock() - issued_at > self.trigger_ttl:
            raise SlackError("expired_trigger_id")
        self._triggers[trigger_id] = (user, _USED)
        return user

    def _new(self, user: str, below: View | None, payload: dict[str, Any]) -> View:
        view_id = f"V{next(self._ids):010d}"
        view = View(
            id=view_id,
            user=user,
            root_id=below.root_id if below else view_id,
            previous_id=below.id if below else None,
            payload={**payload, "blocks": with_block_ids(payload.get("blocks"))},
            hash=self._new_hash(),
            external_id=payload.get("external_id"),
        )
        self._views[view_id] = view
        return view

    def _find(self, view_id: str | None, external_id: str | None) -> View:
        for view in self._views.values():
            if (view_id and view.id == view_id) or (
                external_id and view.external_id == external_id
            ):
                return view
        raise SlackError("not_found")
