"""Who may accept or reject a lead: deciders by id or user group, and routing team members.

Group membership is asked of Slack (``usergroups.users.list``, which needs
the ``usergroups:read`` scope) and kept for a short while, so a burst of
clicks costs one call per group and a change to a group shows within a
minute. When Slack cannot answer, the click is refused rather than allowed.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.config.slack import Deciders

log = logging.getLogger(__name__)

GROUP_CACHE_SECONDS = 60.0


class DeciderCheck:
    def __init__(
        self,
        deciders: Deciders,
        client: AsyncWebClient,
        *,
        also: frozenset[str] = frozenset(),
        ttl: float = GROUP_CACHE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._deciders = deciders
        self._also = also
        self._client = client
        self._ttl = ttl
        self._clock = clock
        self._members: dict[str, tuple[float, frozenset[str]]] = {}

    async def allows(self, user_id: str) -> bool:
        if self._deciders.anyone or user_id in self._deciders.users or user_id in self._also:
            return True
        for group in self._deciders.groups:
            if user_id in await self._group(group):
                return True
        return False

    async def _group(self, group_id: str) -> frozenset[str]:
        now = self._clock()
        cached = self._members.get(group_id)
        if cached is not None and now - cached[0] < self._ttl:
            return cached[1]
        try:
            response = await self._client.usergroups_users_list(usergroup=group_id)
        except SlackApiError as exc:
            log.warning("cannot list user group %s: %s", group_id, exc.response.get("error"))
            return frozenset()
        members = frozenset(response.get("users") or ())
        self._members[group_id] = (now, members)
        return members
