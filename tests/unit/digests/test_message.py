"""Digest content from plain rows: the numbers, the lists and the Block Kit limits."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.core.funnel import Funnel, build_funnel
from bot.digests.message import (
    DigestData,
    LeadLine,
    closed_loop_line,
    digest_message,
    duration,
    money,
    reason_lines,
)
from storage.rows import MoveCount, NewLeads, Queue

END = datetime(2026, 11, 23, 7, 0, tzinfo=UTC)
START = END - timedelta(days=1)


def moved(frm: str, to: str, count: int = 1, **extra: object) -> MoveCount:
    defaults = dict(source="ads", campaign=None, reason=None, revenue=0.0, from_marketing=count)
    return MoveCount(from_stage=frm, to_stage=to, count=count, **{**defaults, **extra})


def funnel():
    moves = [
        moved("new", "mql"),
        moved("new", "mql", source="webinar"),
        moved("mql", "sql"),
        moved("mql", "recycled", reason="not ready", late=1),
        moved("mql", "disqualified", 2, reason="competitor"),
        moved("sql", "won", revenue=3000.0, source="webinar"),
        moved("sql", "lost"),
    ]
    hours = {"new": 2, "mql": 1.5, "sql": 36}
    stays = {stage: h * 3600 for stage, h in hours.items()}
    leads = [NewLeads("ads", None, 7), NewLeads("webinar", "autumn", 3)]
    return build_funnel(
        START, END, moves=moves, stays=stays, new_leads=leads, queue=Queue(pending=4, over_sla=1)
    )


def test_the_funnel_counts_and_conversions() -> None:
    f = funnel()
    assert (f.leads, f.mqls, f.accepted, f.rejected, f.won, f.lost) == (10, 2, 1, 3, 1, 1)
    assert f.sql_rate == 0.25 and f.mql_rate == 0.2 and f.win_rate == 0.5
    assert f.median_decision == timedelta(hours=1.5)
    assert f.decisions_over_sla == 1
    assert f.sla_breaches == 2
    assert f.rejection_reasons == [("competitor", 2), ("not ready", 1)]
    webinar = next(s for s in f.sources if s.name == "webinar")
    assert (webinar.leads, webinar.mqls, webinar.won, webinar.revenue) == (3, 1, 1, {"": 3000.0})
    assert webinar.value_per_lead == {"": 1000.0}
    assert f.stage_times["sql"] == timedelta(hours=36)
    assert f.marketing_share == 1.0


def lines(count: int) -> list[LeadLine]:
    return [
        LeadLine(f"<!channel> Lead {i}", "Acme", 50 + i, i % 2 == 0, START) for i in range(count)
    ]


def test_the_digest_shows_the_numbers_and_summarises_long_lists() -> None:
    data = DigestData(
        edition="daily",
        start=START,
        end=END,
        zone=ZoneInfo("Europe/Berlin"),
        funnel=funnel(),
        new_mqls=lines(5),
        oldest_pending=lines(5),
        top=5,
    )
    message = digest_message(data, END)
    text = json.dumps(message.blocks, ensure_ascii=False)
    assert "Daily lead digest · Mon 23 Nov" in message.text
    assert "Sun 22 Nov 08:00 → Mon 23 Nov 08:00 (Europe/Berlin)" in text
    assert "*New leads*\\n10" in text and "*MQL → SQL*\\n25%" in text
    assert "*Median time to decision*\\n1 h 30 min" in text
    assert "<!channel>" not in text and "&lt;!channel&gt;" in text
    assert len(message.blocks) <= 50


def test_the_weekly_edition_shows_changes_and_value_per_lead() -> None:
    previous = build_funnel(
        START,
        END,
        moves=[],
        stays={},
        new_leads=[NewLeads("ads", None, 4)],
        queue=Queue(0, 0),
    )
    data = DigestData("weekly", START, END, ZoneInfo("UTC"), funnel(), previous=previous)
    text = json.dumps(digest_message(data, END).blocks, ensure_ascii=False)
    assert "*New leads*\\n10 (+6)" in text and "*Accepted*\\n1 (+1)" in text
    assert (
        "webinar: 3 leads · 1 MQL · 0 SQLs · 1 won for 3,000 (currency not given) · "
        "1,000 (currency not given) per lead"
    ) in text
    assert "began as marketing leads" in text


def test_revenue_in_several_currencies_is_never_added_up() -> None:
    moves = [
        moved("sql", "won", revenue=9000.0, currency="EUR"),
        moved("sql", "won", revenue=3000.0, currency="USD"),
        moved("sql", "won", 2, revenue=3000.0, currency="EUR"),
        moved("sql", "won", revenue=0.0),  # a deal reported without an amount
    ]
    f = build_funnel(
        START, END, moves=moves, stays={}, new_leads=[NewLeads("ads", None, 3)], queue=Queue(0, 0)
    )
    (ads,) = f.sources
    assert (f.won, f.revenue) == (5, {"EUR": 12000.0, "USD": 3000.0})
    assert ads.value_per_lead == {"EUR": 4000.0, "USD": 1000.0}
    data = DigestData("weekly", START, END, ZoneInfo("UTC"), f)
    text = json.dumps(digest_message(data, END).blocks, ensure_ascii=False)
    assert "5 won for 12,000 EUR + 3,000 USD · 4,000 EUR per lead + 1,000 USD per lead" in text
    assert "for 12,000 EUR + 3,000 USD" in text


def test_lists_longer_than_top_end_with_a_count() -> None:
    f = funnel()
    f.pending = 40
    data = DigestData("daily", START, END, ZoneInfo("UTC"), f, oldest_pending=lines(5), top=5)
    text = json.dumps(digest_message(data, END).blocks, ensure_ascii=False)
    assert "…and 35 more" in text


def test_formatting() -> None:
    assert duration(timedelta(minutes=5)) == "5 min"
    assert duration(timedelta(hours=26)) == "1 d 2 h"
    assert duration(None) == "—"
    assert money({"EUR": 1234.4}) == "1,234 EUR"
    assert money({"": 1234.4}) == "1,234 (currency not given)"
    assert money({"GBP": 12.5}, per=" per lead") == "12.50 GBP per lead" and money({}) == "nothing"


def test_rejection_reasons_read_as_the_modal_names_them() -> None:
    funnel = Funnel(START, END)
    funnel.rejection_reasons = [("not_a_fit", 3), ("not_ready", 2), ("asked twice", 1)]
    assert reason_lines(funnel) == ["• Not a fit: 3", "• Not ready: 2", "• asked twice: 1"]


def test_the_closed_loop_line_is_a_sentence_whatever_closed() -> None:
    funnel = Funnel(START, END)
    assert closed_loop_line(funnel) == "No deal was closed in this period."
    funnel.lost = 2
    assert closed_loop_line(funnel) == "No deal was won; 2 deals lost."
    funnel.won, funnel.won_from_marketing, funnel.revenue = 1, 1, {"EUR": 24000.0}
    assert closed_loop_line(funnel) == (
        "Won 1 of 3 closed deals (33%) for 24,000 EUR; "
        "100% of the customers won began as marketing leads."
    )
