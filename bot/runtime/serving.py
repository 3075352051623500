"""Run an ASGI app with uvicorn on a background thread.

The sandbox's Slack stand-in and the integration tests both need a real HTTP
server on loopback next to the code that talks to it; this is that server.
"""

from __future__ import annotations

import threading
import time
from types import TracebackType
from typing import Any, Self

import uvicorn


class StartStop:
    """``with`` calls ``start`` on entry and ``stop`` on exit."""

    def start(self) -> str:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


class ThreadedServer(StartStop):
    """``with ThreadedServer(app) as server: httpx.get(server.url + "/healthz")``."""

    def __init__(
        self,
        app: Any,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        name: str = "uvicorn",
        **options: Any,
    ) -> None:
        """``options`` go to ``uvicorn.Config`` (``lifespan="off"``, ``access_log=False`` …)."""
        config = uvicorn.Config(
            app, host=host, port=port, **{"log_config": None, "lifespan": "on", **options}
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, name=name, daemon=True)
        self.url = ""

    def start(self, timeout: float = 10.0) -> str:
        self._thread.start()
        deadline = time.monotonic() + timeout
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the server did not start")
            time.sleep(0.01)
        host, port = self._server.servers[0].sockets[0].getsockname()[:2]
        self.url = f"http://{host}:{port}"
        return self.url

    def stop(self) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=15)
