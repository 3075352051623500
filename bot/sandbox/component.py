"""The sandbox as a feature of the app: the Slack stand-in served in-process.

With no ``SLACK_BOT_TOKEN`` the server plays the workspace itself: the Web
API stand-in is mounted at ``/sandbox/api/`` (where the Slack component's
client points in sandbox mode), response URLs are answered under
``/sandbox/response/``, and ``/sandbox`` is the page people use instead of
Slack. With a token none of this is served.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
from starlette.routing import BaseRoute, Mount

from bot.runtime.component import Component
from bot.runtime.services import Services
from bot.sandbox.interactions import Interactions
from bot.sandbox.page import SandboxPage
from bot.sandbox.web_api import create_app
from bot.sandbox.workspace import Workspace

SANDBOX_PATH = "/sandbox"


def sandbox_url(base_url: str) -> str:
    """Where a person opens the sandbox page of the server at ``base_url``."""
    return base_url.rstrip("/") + SANDBOX_PATH


class SandboxComponent(Component):
    name = "sandbox"

    def __init__(self, services: Services, *, workspace: Workspace | None = None) -> None:
        app_url = services.settings.base_url
        self.workspace = workspace or Workspace.demo()
        self.web_api = create_app(self.workspace)
        self.client = httpx.AsyncClient(base_url=app_url)
        interactions = Interactions(
            self.workspace,
            services.settings.effective_signing_secret(),
            response_base=f"{sandbox_url(app_url)}/response/",
        )
        self.page = SandboxPage(self.workspace, interactions, self.client)

    def routes(self) -> Sequence[BaseRoute]:
        # the page's routes first: the mount answers everything else under /sandbox/
        return [*self.page.routes(), Mount(SANDBOX_PATH, self.web_api)]

    async def stop(self) -> None:
        await self.client.aclose()
