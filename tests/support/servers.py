"""Servers in another process: a free port, and starting one until it answers."""

from __future__ import annotations

import os
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    command: list[str],
    env: dict[str, str],
    url: str,
    *,
    timeout: float = 30.0,
    cwd: Path | None = None,
    ready: Callable[[httpx.Response], bool] = lambda response: True,
) -> subprocess.Popen[bytes]:
    """Run ``command`` with ``env`` added until ``url`` gives an answer that is ``ready``.

    If it does not in ``timeout`` seconds, the process is killed and its stderr reported.
    """
    with tempfile.TemporaryFile() as errors:  # the child keeps its own handle
        process = subprocess.Popen(
            command, env={**os.environ, **env}, cwd=cwd, stdout=subprocess.DEVNULL, stderr=errors
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and process.poll() is None:
            try:
                if ready(httpx.get(url, timeout=1)):
                    return process
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        process.kill()
        process.wait()
        errors.seek(0)
        raise RuntimeError(f"{' '.join(command)} did not start: {errors.read().decode()}")
