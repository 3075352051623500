"""kill -9 during a stream of events: every event that got a 2xx survives."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time

import httpx
from sqlalchemy import select

from bot.demo.client import send_event
from storage.db import make_engine
from storage.models import Event
from tests.support.ingest import SECRET, activity_event
from tests.support.servers import free_port, start_server


def _start_server(db_url: str, port: int) -> subprocess.Popen[bytes]:
    return start_server(
        [sys.executable, "-m", "bot.cli.main", "serve"],
        {
            "LEADBOT_DATABASE_URL": db_url,
            "LEADBOT_WEBHOOK_SECRET": SECRET,
            "PORT": str(port),
            "LEADBOT_LOG_LEVEL": "WARNING",
        },
        f"http://127.0.0.1:{port}/healthz",
        timeout=20,
        ready=lambda response: response.status_code == 200,
    )


def test_acknowledged_events_survive_sigkill(db_url: str) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}/webhooks/generic"
    server = _start_server(db_url, port)
    acknowledged: list[str] = []
    lock = threading.Lock()
    stop = threading.Event()

    def sender(worker: int) -> None:
        with httpx.Client(timeout=5) as client:
            for n in range(100_000):
                if stop.is_set():
                    return
                msg_id = f"msg_{worker}_{n}"
                try:
                    response = send_event(
                        client,
                        url,
                        SECRET,
                        activity_event(f"w{worker}n{n}@example.com"),
                        msg_id=msg_id,
                    )
                except httpx.HTTPError:
                    return  # the server is gone: this event was never acknowledged
                if response.status_code == 202:
                    with lock:
                        acknowledged.append(msg_id)

    threads = [threading.Thread(target=sender, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    deadline = time.monotonic() + 15
    while len(acknowledged) < 200 and time.monotonic() < deadline:
        time.sleep(0.05)
    os.kill(server.pid, signal.SIGKILL)
    server.wait()
    stop.set()
    for thread in threads:
        thread.join()

    assert len(acknowledged) >= 200
    engine = make_engine(db_url)
    with engine.connect() as conn:
        stored = set(conn.execute(select(Event.__table__.c.external_id)).scalars())
    engine.dispose()
    assert set(acknowledged) <= stored

    restarted = _start_server(db_url, port)
    try:
        with httpx.Client(timeout=5) as client:
            again = send_event(
                client, url, SECRET, activity_event("after@example.com"), msg_id=acknowledged[0]
            )
        assert again.status_code == 200
        assert again.json()["duplicate"] is True
    finally:
        restarted.terminate()
        restarted.wait(timeout=15)
