"""``kill -9`` in the middle of a stream of events and of card deliveries, on both databases.

No event whose request was answered 2xx may be lost, and after the restart
every MQL gets its card exactly once, including the cards the dead process
was posting when it died.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from typing import Any

import httpx
from sqlalchemy import Select, func, select
from sqlmodel import col

from storage.db import make_engine
from storage.models import Event, Lead, Outbox
from tests.chaos.cluster import lead_event, post_events
from tests.chaos.slack_fake import SlackFake
from tests.chaos.slack_requests import ACCEPT

SENDERS = 4
BATCH = 5
#: acknowledged events before the kill, and in all
BEFORE_KILL, TOTAL = 150, 300


class Stream:
    """Senders posting batches of new leads until stopped; what was acknowledged."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.acknowledged: list[str] = []
        self.refused = 0
        self._numbers = itertools.count()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._send) for _ in range(SENDERS)]

    def __enter__(self) -> Stream:
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _send(self) -> None:
        with httpx.Client(timeout=10) as client:
            while not self._stop.is_set():
                with self._lock:
                    numbers = [next(self._numbers) for _ in range(BATCH)]
                events = [lead_event(n, prefix="stream") for n in numbers]
                try:
                    status = post_events(self.url, events, client)
                except httpx.HTTPError:  # the server died under this request, or is down
                    status = 0
                with self._lock:
                    if 200 <= status < 300:
                        self.acknowledged.extend(e["id"] for e in events)
                    else:
                        self.refused += 1
                if status == 0:
                    time.sleep(0.05)  # the server is down: do not spin while it restarts

    def count(self) -> int:
        with self._lock:
            return len(self.acknowledged)


def test_kill_9_mid_stream_loses_nothing_acknowledged(
    any_db_url, slack: SlackFake, instances, figures
) -> None:
    backend = "PostgreSQL" if any_db_url.startswith("postgresql") else "SQLite"
    instance = instances(any_db_url, name="victim").start()
    state = slack.state

    with Stream(instance.url) as stream:
        state.wait_for(lambda: stream.count() >= BEFORE_KILL, timeout=120, what="events sent")
        state.wait_for(lambda: len(state.posted()) >= 20, timeout=60, what="cards under way")
        instance.kill()
        killed_at = stream.count()
        instance.start()
        state.wait_for(lambda: stream.count() >= TOTAL, timeout=120, what="events after restart")
    restarted = time.monotonic()

    engine = make_engine(any_db_url)

    def scalar(statement: Select[Any]) -> int:
        with engine.connect() as conn:
            return int(conn.execute(statement).scalar_one())

    with engine.connect() as conn:
        stored = set(conn.execute(select(col(Event.external_id))).scalars())
    lost = sorted(set(stream.acknowledged) - stored)

    def cards() -> Counter[str]:
        return Counter(
            value for m in state.posted() if (value := m.button_value(ACCEPT)) is not None
        )

    leads = scalar(select(func.count()).select_from(Lead))
    state.wait_for(
        lambda: (
            len(cards()) >= leads
            and scalar(select(func.count()).select_from(Outbox).where(col(Outbox.status) != "done"))
            == 0
        ),
        timeout=240,
        what="every card delivered after the restart",
    )
    drain = time.monotonic() - restarted
    engine.dispose()
    delivered = cards()
    duplicated = sum(delivered.values()) - len(delivered)
    figures.append(
        f"kill -9 mid-stream, {backend}: {len(stream.acknowledged)} events acknowledged "
        f"({killed_at} before the kill), {len(lost)} lost; {len(delivered)}/{leads} cards "
        f"delivered, {duplicated} duplicated, drain {drain:.1f} s after the last event"
    )
    assert lost == []
    assert len(delivered) == leads and duplicated == 0
