"""Serve the Slack stand-in over real HTTP on a free loopback port, in a background thread.

Going through a socket (rather than an in-process transport) is the point:
the real ``slack_sdk`` clients, their retry handlers and their timeouts
are exercised exactly as against Slack.
"""

from __future__ import annotations

import socket
import threading
import time
from types import TracebackType

import uvicorn

from bot.sandbox.faults import Faults
from bot.sandbox.web_api import create_app
from bot.sandbox.workspace import Workspace

_START_TIMEOUT = 10.0


class FakeSlackServer:
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
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port: int | None = None

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
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", access_log=False)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name="fake-slack", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + _START_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the fake Slack server did not start")
            time.sleep(0.01)
        return self.api_url

    def stop(self) -> None:
        if self._server is None or self._thread is None:
            return
        self._server.should_exit = True
        self._thread.join(timeout=_START_TIMEOUT)
        self._server = self._thread = None
        self.port = None

    def __enter__(self) -> FakeSlackServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
