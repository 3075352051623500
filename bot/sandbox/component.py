"""The sandbox as a feature of the app: the Slack stand-in served in-process.

With no ``SLACK_BOT_TOKEN`` the server plays the workspace itself: the Web
API stand-in is mounted at ``/sandbox/api/`` (where the Slack component's
client points in sandbox mode), response URLs are answered under
``/sandbox/response/``, and ``/sandbox`` is the page people use instead of
Slack. With a token none of this is served.

Open to other machines (``serve --allow-remote-sandbox``), the page and its
state need the sandbox password, the stand-in Web API takes only the
app's own random token, and Slack requests are signed with a random secret,
so the public built-in secrets decide nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import httpx
from starlette.routing import BaseRoute, Mount, Route

from bot.runtime.component import Component
from bot.runtime.services import Services
from bot.sandbox.guard import PasswordGate
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
        remote = services.settings.remote_sandbox
        self.web_api = create_app(
            self.workspace, token=services.settings.sandbox_bot_token() if remote else None
        )
        password = services.settings.sandbox_password
        self._password = password.get_secret_value() if remote and password else None
        self.client = httpx.AsyncClient(base_url=app_url)
        interactions = Interactions(
            self.workspace,
            services.settings.effective_signing_secret(),
            response_base=f"{sandbox_url(app_url)}/response/",
        )
        self.page = SandboxPage(self.workspace, interactions, self.client)

    def routes(self) -> Sequence[BaseRoute]:
        # the page's routes first: the mount answers everything else under /sandbox/
        return [*map(self._guarded, self.page.routes()), Mount(SANDBOX_PATH, self.web_api)]

    def _guarded(self, route: BaseRoute) -> BaseRoute:
        """``route`` behind the sandbox password, when there is one."""
        if self._password is None:
            return route
        if isinstance(route, Mount):
            return Mount(route.path, app=PasswordGate(route.app, self._password), name=route.name)
        assert isinstance(route, Route)
        gate = PasswordGate(route.app, self._password)
        return Route(route.path, gate, methods=route.methods, name=route.name)

    async def stop(self) -> None:
        await self.client.aclose()
