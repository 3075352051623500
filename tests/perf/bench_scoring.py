"""Leads scored per second with the default rules, 20 activities per lead.

Prints ``scoring: N leads/s (ratio vs baseline)``; the baseline, measured in
the same run, is a loop summing 20 integers per lead, so the ratio compares
across machines. Target: at least 20,000 leads/s.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from bot.config.rules import load_config
from bot.core.scoring import ActivityRecord, score_lead

LEADS = 2_000
ROUNDS = 5
TYPES = ["page_view"] * 8 + [
    "pricing_view",
    "content_download",
    "email_click",
    "email_open",
    "webinar",
    "ad_click",
    "form_submit",
    "newsletter_signup",
    "demo_request",
]
TITLES = ["VP Marketing", "Software Engineer", "CEO", "Director of IT", "Student", "Ops Manager"]


def _leads(now: datetime) -> list[tuple[dict[str, object], list[ActivityRecord]]]:
    rng = random.Random(7)
    leads = []
    for i in range(LEADS):
        profile = {
            "email": f"person{i}@{rng.choice(['acme.io', 'gmail.com', 'initech.com'])}",
            "job_title": rng.choice(TITLES),
            "company": rng.choice(["Acme", None]),
            "company_size": rng.choice([5, 40, 120, 600, 5000, None]),
            "country": rng.choice(["US", "DE", "BR", None]),
            "industry": rng.choice(["Software", "Retail", None]),
            "phone": rng.choice(["+14155550100", None]),
            "attributes": {"do_not_contact": rng.random() < 0.02},
        }
        activities = [
            ActivityRecord(
                type=rng.choice(TYPES),
                occurred_at=now - timedelta(days=rng.uniform(0, 120)),
                properties={"path": rng.choice(["/pricing", "/blog/x", "/docs"])},
            )
            for _ in range(20)
        ]
        leads.append((profile, activities))
    return leads


def _rate(body: Callable[[], None]) -> float:
    """Best of a few rounds, in leads per CPU second (other busy processes do not count)."""
    best = float("inf")
    for _ in range(ROUNDS):
        start = time.process_time()
        body()
        best = min(best, time.process_time() - start)
    return LEADS / best


def main() -> None:
    now = datetime(2026, 3, 1, tzinfo=UTC)
    rules = load_config(None).scoring
    leads = _leads(now)
    numbers = [list(range(20)) for _ in range(LEADS)]

    def baseline() -> None:
        for row in numbers:
            total = 0
            for value in row:
                total += value

    def scoring() -> None:
        for profile, activities in leads:
            score_lead(profile, activities, rules, now)

    base = _rate(baseline)
    rate = _rate(scoring)
    print(f"scoring: {rate:,.0f} leads/s ({rate / base:.4f} vs baseline of {base:,.0f}/s)")


if __name__ == "__main__":
    main()
