"""Serve the Slack stand-in over real HTTP on a free loopback port, in a background thread.

Going through a socket (rather than an in-process transport) is the point:
the real ``slack_sdk`` clients, their retry handlers and their timeouts
are exercised exactly as against Slack.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from bot.runtime.serving import StartStop, ThreadedServer
from bot.sandbox.faults import Faults
from bot.sandbox.socket_mode import SocketModeHub
from bot.sandbox.web_api import create_app
from bot.sandbox.workspace import Workspace


class FakeSlackServer(StartStop):
    """``with FakeSlackServer() as slack: WebClient(base_url=slack.api_url)``."""

    def __init__(
        self,
        workspace: Workspace | None = None,
        *,
        faults: Faults | None = None,
        token: str | None = None,
    ) -> None:
        self.workspace = workspace or Workspace.demo()
        self.faults = faults or Faults()
        self.app = create_app(self.workspace, faults=self.faults, token=token)
        self._server: ThreadedServer | None = None
        self.port: int | None = None

    @property
    def socket_mode(self) -> SocketModeHub:
        """Where Socket Mode apps connect, and how envelopes reach them."""
        hub: SocketModeHub = self.app.state.web_api.socket_mode
        return hub

    @property
    def root_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the server is not running")
        return f"http://127.0.0.1:{self.port}/"

    @property
    def api_url(self) -> str:
        """The ``base_url`` for ``WebClient``/``AsyncWebClient``, ending in ``/api/``."""
        return self.root_url + "api/"

    @property
    def response_base(self) -> str:
        """Prefix of the response URLs this server answers, for ``Interactions``."""
        return self.root_url + "response/"

    def start(self) -> str:
        """Start serving; returns ``api_url``."""
        if self._server is not None:
            raise RuntimeError("the server is already running")
        server = ThreadedServer(
            self.app, name="fake-slack", log_level="warning", lifespan="off", access_log=False
        )
        self.port = urlsplit(server.start()).port
        self._server = server
        return self.api_url

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.stop()
        self._server = None
        self.port = None
