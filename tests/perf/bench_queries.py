"""Time the reporting queries over 1,000,000 leads and 5,000,000 activities on SQLite.

    .venv/bin/python tests/perf/bench_queries.py [--leads 1000000] [--keep PATH]

Generates the data with ``INSERT … SELECT`` over recursive CTEs into a fresh
file migrated with ``storage.migrate.upgrade`` (about a minute), then times
each query the slash commands and digests run — the same functions, not
copies — beside a full-table ``SELECT COUNT(*) FROM activity`` measured in the
same run, and prints ``name: 0.123 s (0.45× count(*))``. The goal is under
one second for ``stats`` and the digest.

The data spans a year: 80 % of leads stay new, 20 % become MQLs, of which a
quarter are still pending and the rest are accepted (then won or lost),
recycled or disqualified; every lead has five activities.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import Connection

from bot.commands.run import stats_window
from bot.config.rules import load_config
from bot.digests.job import read_digest
from bot.digests.numbers import read_funnel
from bot.digests.schedule import latest_period
from storage.db import make_engine
from storage.leads import count_pending, search_leads
from storage.migrate import upgrade
from storage.reporting import handoff_messages, pending_leads

NOW = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)
YEAR_SECONDS = 365 * 24 * 3600
SOURCES = ["webinar", "ads", "organic", "referral", "events", "partner", "email", "social"]
TYPES = ["page_view", "email_click", "content_download", "pricing_view", "demo_request"]


def _ts(expr: str) -> str:
    """SQL for the SQLite text form SQLAlchemy stores, from an epoch-seconds expression."""
    return f"(datetime({expr}, 'unixepoch') || '.000000')"


def generate(conn: Connection, leads: int) -> None:
    now = int(NOW.timestamp())
    step = YEAR_SECONDS // leads or 1
    sources = "CASE n % 8 " + " ".join(f"WHEN {i} THEN '{s}'" for i, s in enumerate(SOURCES))
    # stage by n % 100: 0-79 new, 80-84 pending MQL, 85-89 SQL, 90-92 won, 93-94 lost,
    # 95-97 recycled, 98-99 disqualified
    stage = (
        "CASE WHEN n % 100 < 80 THEN 'new' WHEN n % 100 < 85 THEN 'mql' "
        "WHEN n % 100 < 90 THEN 'sql' WHEN n % 100 < 93 THEN 'won' "
        "WHEN n % 100 < 95 THEN 'lost' WHEN n % 100 < 98 THEN 'recycled' "
        "ELSE 'disqualified' END"
    )
    seen = f"({now} - n * {step})"
    conn.exec_driver_sql(
        f"""
        INSERT INTO lead (id, email, first_name, last_name, company, source, campaign, utm,
            attributes, stage, fit_score, engagement_score, score, hot, score_reasons,
            first_seen_at, updated_at, mql_at, decided_at, closed_at, deal_amount, owner_id,
            version)
        WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {leads})
        SELECT n, 'lead' || n || '@example' || (n % 1000) || '.com', 'First' || (n % 5000),
            'Last' || (n % 7919), 'Company ' || (n % 20000), {sources} END,
            'campaign-' || (n % 50), '{{}}', '{{}}', {stage}, n % 60, n % 40, n % 100,
            n % 10 = 0, '[]', {_ts(seen)}, {_ts(seen)},
            CASE WHEN n % 100 >= 80 THEN {_ts(seen + " + 3600")} END,
            CASE WHEN n % 100 >= 85 THEN {_ts(seen + " + 3600 + (n % 48) * 3600")} END,
            CASE WHEN n % 100 BETWEEN 90 AND 94 THEN {_ts(seen + " + 864000")} END,
            CASE WHEN n % 100 BETWEEN 90 AND 92 THEN 1000 + n % 9000 END,
            CASE WHEN n % 100 BETWEEN 85 AND 94 THEN 'U' || (n % 20) END,
            1
        FROM seq
        """
    )
    moves = [
        ("'new'", "'mql'", "mql_at", "mql_at IS NOT NULL", "'rules'", "NULL"),
        (
            "'mql'",
            "CASE WHEN stage IN ('recycled', 'disqualified') THEN stage ELSE 'sql' END",
            "decided_at",
            "decided_at IS NOT NULL",
            "'slack:' || coalesce(owner_id, 'U1')",
            "CASE stage WHEN 'recycled' THEN 'not ready' WHEN 'disqualified' THEN 'competitor' END",
        ),
        ("'sql'", "stage", "closed_at", "closed_at IS NOT NULL", "'source:crm'", "NULL"),
    ]
    for frm, to, at, where, actor, reason in moves:
        conn.exec_driver_sql(
            f"INSERT INTO transition (lead_id, from_stage, to_stage, actor, reason, at, version) "
            f"SELECT id, {frm}, {to}, {actor}, {reason}, {at}, 2 FROM lead WHERE {where}"
        )
    types = "CASE k " + " ".join(f"WHEN {i} THEN '{t}'" for i, t in enumerate(TYPES)) + " END"
    conn.exec_driver_sql(
        f"""
        INSERT INTO activity (lead_id, type, occurred_at, properties)
        WITH RECURSIVE ks(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM ks WHERE k < 4)
        SELECT lead.id, {types}, {_ts(f"{now} - lead.id * {step} + k * 600")}, '{{}}'
        FROM lead CROSS JOIN ks
        """
    )


def timed(fn: Callable[[], Any], runs: int = 3) -> float:
    """The best of ``runs`` timings: what the query costs with a warm page cache."""
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="write the database here and keep it")
    args = parser.parse_args()
    path = args.keep or Path(tempfile.mkdtemp()) / "bench.db"
    engine = make_engine(f"sqlite:///{path}")
    upgrade(engine)
    started = time.perf_counter()
    with engine.begin() as conn:
        generate(conn, args.leads)
    with engine.connect() as conn:
        counts = {
            t: conn.execute(text(f"SELECT COUNT(*) FROM {t}")).scalar_one()
            for t in ("lead", "activity", "transition")
        }
    print(
        f"generated {counts['lead']:,} leads, {counts['activity']:,} activities, "
        f"{counts['transition']:,} transitions in {time.perf_counter() - started:.1f} s"
    )
    config = load_config(None)
    sla = config.slack.sla
    daily = config.digests.schedule_for("C0SALES", "daily")
    weekly = config.digests.schedule_for("C0SALES", "weekly")
    zone = config.digests.zone_of(daily)
    with engine.connect() as conn:
        baseline = timed(lambda: conn.execute(text("SELECT COUNT(*) FROM activity")).scalar())
        queries: dict[str, Callable[[], Any]] = {}
        for name in ("7d", "30d", "90d", "quarter"):
            start, end = stats_window(name, NOW, zone)
            queries[f"stats {name}"] = lambda s=start, e=end: read_funnel(
                conn, s, e, now=NOW, sla=sla
            )
        for schedule in (daily, weekly):
            period = latest_period(config.digests, schedule, NOW)
            queries[f"digest {schedule.edition}"] = lambda s=schedule, p=period: read_digest(
                conn, config, s, p, NOW
            )

        def pending() -> None:
            rows = pending_leads(conn, limit=10)
            count_pending(conn)
            handoff_messages(conn, [row["id"] for row in rows])

        queries["pending"] = pending
        queries["search (common text)"] = lambda: search_leads(conn, "company 123", limit=10)
        queries["search (no match, full scan)"] = lambda: search_leads(conn, "zzz", limit=10)
        print(f"count(*) activity: {baseline:.3f} s (1.00× count(*))")
        for name, query in queries.items():
            seconds = timed(query)
            print(f"{name}: {seconds:.3f} s ({seconds / baseline:.2f}× count(*))")
    engine.dispose()


if __name__ == "__main__":
    main()
