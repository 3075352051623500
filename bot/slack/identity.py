"""Who the bot is in its workspace (``auth.test``), asked at start-up and kept.

Bolt's default single-workspace authorization calls ``auth.test`` on the
first request and answers 500 to every request for as long as the Web API
cannot be reached. Here the answer is asked for at start-up, retried in the
background until Slack gives it, and kept: the bot's identity does not change
while the token stays the same. Requests are authorized with the token alone
meanwhile, so slash commands and clicks are acknowledged even during a Slack
outage; what they cause waits in the outbox.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
from slack_bolt.authorization import AuthorizeResult
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.runtime.tasks import cancel

log = logging.getLogger(__name__)

#: waits between attempts while Slack cannot say who the bot is, capped at the last
RETRY_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)


class BotIdentity:
    def __init__(self, client: AsyncWebClient, *, delays: tuple[float, ...] = RETRY_DELAYS) -> None:
        self._client = client
        self._delays = delays
        self._answer: dict[str, Any] | None = None
        self._task: asyncio.Task[None] | None = None

    @property
    def known(self) -> bool:
        return self._answer is not None

    async def start(self) -> None:
        """Start asking, in the background: start-up never waits for Slack.

        (In sandbox mode the Web API is this very server, which only listens
        once start-up is over.)
        """
        self._task = asyncio.create_task(self._keep_asking(), name="slack-auth-test")

    async def stop(self) -> None:
        await cancel(self._task)
        self._task = None

    def authorizer(self) -> Callable[..., Awaitable[AuthorizeResult]]:
        """Bolt's ``authorize``: the token, and the bot's ids once Slack has told them.

        A plain function, because Bolt passes arguments by the names it reads
        off the function (a bound method's ``self`` included).
        """

        async def authorize(
            enterprise_id: str | None, team_id: str | None, user_id: str | None
        ) -> AuthorizeResult:
            answer = self._answer or {}
            return AuthorizeResult(
                enterprise_id=enterprise_id or answer.get("enterprise_id"),
                team_id=team_id or answer.get("team_id"),
                user_id=user_id,
                bot_token=self._client.token,
                bot_id=answer.get("bot_id"),
                bot_user_id=answer.get("user_id"),
            )

        return authorize

    async def _keep_asking(self) -> None:
        attempt = 0
        while not await self._ask(attempt):
            await asyncio.sleep(self._delays[min(attempt, len(self._delays) - 1)])
            attempt += 1

    async def _ask(self, attempt: int) -> bool:
        try:
            response = await self._client.auth_test()
        except (SlackApiError, aiohttp.ClientError, OSError, TimeoutError) as exc:
            # the first try may come before a sandbox server listens: only repeats are news
            level = logging.WARNING if attempt else logging.INFO
            log.log(level, "Slack cannot say who the bot is yet (auth.test): %s", _reason(exc))
            return False
        self._answer = dict(response.data) if isinstance(response.data, dict) else {}
        log.info("Slack bot identity known", extra={"bot_user": self._answer.get("user_id")})
        return True


def _reason(exc: Exception) -> str:
    if isinstance(exc, SlackApiError):
        return str(exc.response.get("error") or exc.response.status_code)
    return type(exc).__name__
