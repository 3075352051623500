"""The one Slack Web API client factory, for listeners, delivery, digests and the CLI.

The base URL is ``LEADBOT_SLACK_API_URL``; with no bot token and that URL left
at Slack's, the app talks to the Slack stand-in it serves itself at
``/sandbox/api/`` (sandbox mode).

The client's own retry handlers are off: a transparent retry of
``chat.postMessage`` after a reset connection would post twice without the
outbox's duplicate check, and retries are the outbox's job anyway.
"""

from __future__ import annotations

from slack_sdk.web.async_client import AsyncWebClient

from bot.config.settings import SLACK_API_URL, Settings

SANDBOX_API_PATH = "/sandbox/api/"
#: seconds before a Web API call is abandoned (and counted as a possibly-delivered failure)
REQUEST_TIMEOUT = 10


def web_client(settings: Settings, *, with_token: bool = True) -> AsyncWebClient:
    token: str | None
    if settings.sandbox and settings.slack_api_url == SLACK_API_URL:
        token, base_url = settings.sandbox_bot_token(), settings.base_url + SANDBOX_API_PATH
    else:
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        base_url = settings.slack_api_url
    return AsyncWebClient(
        token=token if with_token else None,
        base_url=base_url,
        timeout=REQUEST_TIMEOUT,
        retry_handlers=[],
    )
