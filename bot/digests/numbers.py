"""The numbers of a period read from the database: what digests show and ``/leads stats`` repeats.

One definition for both, so a week's stats and that week's digest always
agree; the arithmetic itself is pure (``bot.core.funnel``).
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy.engine import Connection

from bot.core.funnel import Funnel, SlaPolicy, build_funnel
from bot.core.reps import tally
from storage.reporting import median_stays, move_counts, new_leads_between, sales_queue
from storage.routing import events_between


def read_funnel(
    conn: Connection, start: datetime, end: datetime, *, now: datetime, sla: SlaPolicy
) -> Funnel:
    """The funnel of ``[start, end)``, with the sales queue as it stands at ``now``.

    With routing, it has each rep's offers and how they ended (``Funnel.reps``).
    """
    normal, hot = sla.reminder_after(False), sla.reminder_after(True)
    moves = move_counts(conn, start, end, sla_seconds=normal * 60, hot_sla_seconds=hot * 60)
    exits: Counter[str] = Counter()
    for move in moves:
        exits[move.from_stage] += move.count
    funnel = build_funnel(
        start,
        end,
        moves=moves,
        stays=median_stays(conn, start, end, exits),
        new_leads=new_leads_between(conn, start, end),
        queue=sales_queue(
            conn,
            waited_since=now - timedelta(minutes=normal),
            hot_waited_since=now - timedelta(minutes=hot),
        ),
    )
    funnel.reps = tally(events_between(conn, start, end))
    return funnel
