"""A body over the size limit ends in a 413 the sender reads, not a broken pipe.

A client that sends ``Connection: close`` (urllib does) used to meet a
server that answered and closed while the body was still arriving: it saw
EPIPE or a reset instead of the 413. These clients write raw HTTP on a
socket, so nothing between them and the server hides what happens.
"""

from __future__ import annotations

import shutil
import socket
import time
from collections import Counter
from pathlib import Path

import pytest

from handlers.webhooks import intake
from tests.support.ingest import INGEST_ONLY, live_app
from tests.support.sources import SECRETS

TOO_LARGE = "HTTP/1.1 413 Request Entity Too Large"
MIB = 1024 * 1024


@pytest.fixture
def app(tmp_path: Path, sqlite_template: Path):
    database = shutil.copy(sqlite_template, tmp_path / "leadbot.db")
    with live_app(f"sqlite:///{database}", features=INGEST_ONLY, **SECRETS) as live:
        yield live


def _address(app) -> tuple[str, int]:
    host, port = app.url.removeprefix("http://").split(":")
    return host, int(port)


def _small_buffered(host: str, port: int) -> socket.socket:
    """A client socket whose small send buffer cannot hide an early close by the server."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 64 * 1024)
    sock.settimeout(15)
    sock.connect((host, port))
    return sock


def _post(app, path: str, size: int, *, extra: str = "", body: bool = True) -> str:
    """The status line the server answered, or the socket error the client met."""
    host, port = _address(app)
    head = (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"Content-Length: {size}\r\nConnection: close\r\n{extra}\r\n"
    ).encode()
    try:
        with _small_buffered(host, port) as sock:
            sock.sendall(head + (b" " * size if body else b""))
            reply = b""
            while b"\r\n" not in reply and (chunk := sock.recv(4096)):
                reply += chunk
    except OSError as exc:
        return type(exc).__name__
    return reply.split(b"\r\n", 1)[0].decode()


@pytest.mark.parametrize("path", ["/webhooks/generic", "/webhooks/typeform"])
def test_a_2_mib_body_is_answered_413_every_time(app, path: str) -> None:
    seen = Counter(_post(app, path, 2 * MIB) for _ in range(25))
    assert seen == {TOO_LARGE: 25}
    assert app.counts() == {"event": 0, "lead": 0, "activity": 0}


def test_a_client_waiting_for_100_continue_gets_the_413_before_sending(app) -> None:
    answer = _post(
        app, "/webhooks/generic", 100 * MIB, extra="Expect: 100-continue\r\n", body=False
    )
    assert answer == TOO_LARGE


def test_a_sender_that_stalls_is_answered_within_the_drain_time(app, monkeypatch) -> None:
    monkeypatch.setattr(intake, "DRAIN_SECONDS", 0.5)
    host, port = _address(app)
    head = (
        f"POST /webhooks/generic HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {10 * MIB}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, port), timeout=15) as sock:
        started = time.monotonic()
        sock.sendall(head + b" " * 1000)  # then nothing more
        status = sock.recv(4096).split(b"\r\n", 1)[0].decode()
        elapsed = time.monotonic() - started
    assert status == TOO_LARGE
    assert elapsed < 10


def test_the_drain_reads_no_more_than_its_budget(app, monkeypatch) -> None:
    """A body far past the budget is cut off: the server reads a bounded amount and closes."""
    monkeypatch.setattr(intake, "DRAIN_FLOOR", 0)
    limit = app.services.settings.max_body_bytes
    host, port = _address(app)
    received = 0
    head = (
        f"POST /webhooks/generic HTTP/1.1\r\nHost: {host}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {1024 * MIB}\r\n\r\n"
    ).encode()
    with socket.create_connection((host, port), timeout=15) as sock:
        sock.sendall(head)
        chunk = b" " * (64 * 1024)
        try:
            while received < 1024 * MIB:
                sock.sendall(chunk)
                received += len(chunk)
        except OSError:
            pass
    assert received < intake.DRAIN_FACTOR * limit + 32 * MIB  # socket buffers hold the rest
