"""Routing latencies of a real leadbot server against the Slack stand-in on loopback.

    python tests/perf/bench_routing.py   (BENCH_LEADS=10 by default)

One lead at a time, on SQLite, with Slack delivery as the integration tests run it:

* baseline: signed webhook → the claim card in the channel (no routing);
* offer: signed webhook → the offer's direct message to the rep;
* pass: the rep's Pass click → the next rep's direct message;
* decision: the rep's Accept click on their direct message → the channel card
  updated to "Accepted by".

Medians, and each against the baseline measured in the same run.
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bot.slack.blocks import ACCEPT_ACTION, PASS_ACTION
from storage.db import make_engine
from storage.migrate import upgrade
from tests.support.routing import direct_messages, routed_config, team_workspace
from tests.support.slack import SlackApp, demo_request, slack_app

LEADS = int(os.environ.get("BENCH_LEADS", "10"))


async def timed(app: SlackApp, act: Callable[[], object], condition: Callable[[], bool]) -> float:
    start = time.perf_counter()
    await act()  # type: ignore[misc]
    await app.ws.wait_until(condition, timeout=10)
    return time.perf_counter() - start


def fresh_db(folder: str, name: str) -> str:
    url = f"sqlite:///{folder}/{name}.db"
    engine = make_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


async def baseline(folder: str) -> list[float]:
    samples = []
    async with slack_app(fresh_db(folder, "claim"), slack=team_workspace()) as app:
        for n in range(LEADS):
            count = len(app.cards("C0SALES"))
            samples.append(
                await timed(
                    app,
                    lambda n=n: app.event(demo_request(f"b{n}@base{n}.example")),
                    lambda c=count: len(app.cards("C0SALES")) > c,
                )
            )
    return samples


async def routed(folder: str) -> dict[str, list[float]]:
    found: dict[str, list[float]] = {"offer": [], "pass": [], "decision": []}
    async with slack_app(
        fresh_db(folder, "routed"), slack=team_workspace(), config=routed_config()
    ) as app:
        for n in range(LEADS):
            email = f"r{n}@routed{n}.example"
            dms = {user: len(direct_messages(app, user)) for user in ("U0ALICE", "U0BOB", "U0DAN")}
            found["offer"].append(
                await timed(
                    app,
                    lambda email=email: app.event(demo_request(email)),
                    lambda dms=dms: (
                        sum(len(direct_messages(app, u)) for u in dms) > sum(dms.values())
                    ),
                )
            )
            first = next(u for u in dms if len(direct_messages(app, u)) > dms[u])
            copy = direct_messages(app, first)[-1]
            others = {u: len(direct_messages(app, u)) for u in dms if u != first}
            found["pass"].append(
                await timed(
                    app,
                    lambda copy=copy, first=first: app.click(first, copy, PASS_ACTION),
                    lambda others=others: any(
                        len(direct_messages(app, u)) > c for u, c in others.items()
                    ),
                )
            )
            second = next(u for u, c in others.items() if len(direct_messages(app, u)) > c)
            offer = direct_messages(app, second)[-1]

            def accepted(email: str = email, second: str = second) -> bool:
                return any(
                    email in json.dumps(c.blocks) and f"Accepted by <@{second}>" in c.text
                    for c in app.cards("C0SALES")
                )

            found["decision"].append(
                await timed(app, lambda o=offer, s=second: app.click(s, o, ACCEPT_ACTION), accepted)
            )
    return found


async def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        base = statistics.median(await baseline(folder))
        measured = await routed(folder)
    print(f"baseline (webhook → claim card): {base * 1000:.0f} ms median over {LEADS} leads")
    for name, samples in measured.items():
        value = statistics.median(samples)
        print(f"{name:>8}: {value * 1000:.0f} ms median ({value / base:.2f}× the baseline)")


if __name__ == "__main__":
    asyncio.run(main())
