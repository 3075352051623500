"""Incremental scoring equals ``score_lead`` on the whole history, exactly.

Random rules (filters, caps, expiry, half-lives from tiny to long), random
histories arriving in batches (out of order, future-dated, on whole hours and
days where sums land exactly on rounding boundaries, and at random
microseconds), and random times to score at (mostly forward, sometimes a
little back, as two instances' clocks may be). After every batch the kept
state, stored and loaded again, must give the score ``score_lead`` gives.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import orjson
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.config.rules import ScoringRules, load_config
from bot.core.incremental import score, up_to_date
from bot.core.score_state import ScoreState, Span, Stamped, dump, load, micros
from bot.core.scoring import ActivityRecord, compiled, score_lead

START = datetime(2026, 3, 1, 12, tzinfo=UTC)
HOUR = 3_600_000_000
DAY = 24 * HOUR
TYPES = ["page_view", "demo_request", "webinar", "newsletter_signup"]
PATHS = ["/pricing", "/pricing/teams", "/blog", "", "/PRICING"]


@dataclass
class MemoryHistory:
    """A lead's activities in memory, answering what the database answers in production."""

    rows: list[Stamped] = field(default_factory=list)
    fresh: set[int] = field(default_factory=set)
    reads: dict[str, int] = field(default_factory=lambda: {"span": 0, "type": 0, "all": 0})

    def add(self, batch: Sequence[Stamped]) -> None:
        self.rows.extend(batch)
        self.fresh = {row.id for row in batch if row.id is not None}

    def read(self, span: Span) -> tuple[list[Stamped], int | None]:
        self.reads["span"] += 1
        typed = [r for r in self.rows if span.type is None or r.type == span.type]
        found = [r for r in typed if span.start <= r.at < span.end and r.id not in self.fresh]
        if span.neighbour == "after":
            later = [r.at for r in typed if r.at >= span.end]
            return found, min(later, default=None)
        earlier = [r.at for r in typed if r.at < span.start]
        return found, max(earlier, default=None)

    def ordered(self) -> list[Stamped]:
        return sorted(self.rows, key=lambda r: (r.at, r.id))

    def of_type(self, kind: str) -> list[ActivityRecord]:
        self.reads["type"] += 1
        return [record(r) for r in self.ordered() if r.type == kind]

    def everything(self) -> list[Stamped]:
        self.reads["all"] += 1
        return list(self.rows)


def moment(at: int) -> datetime:
    return START + timedelta(microseconds=at - micros(START))


def record(row: Stamped) -> ActivityRecord:
    return ActivityRecord(row.type, moment(row.at), row.properties)


def check_step(
    rules: ScoringRules,
    profile: dict[str, Any],
    history: MemoryHistory,
    state: ScoreState | None,
    now: int,
    batch: list[Stamped],
) -> ScoreState:
    """Apply one batch at ``now`` through a storage round trip; assert the score."""
    plan = compiled(rules)
    history.add(batch)
    if state is not None:
        state = load(orjson.loads(orjson.dumps(dump(state))))
    state = up_to_date(state, plan, now, batch, history)
    got = score(state, plan, profile, history)
    want = score_lead(profile, [record(r) for r in history.ordered()], rules, moment(now))
    assert got == want
    return state


# ---------------------------------------------------------------- strategies --

half_lives = st.one_of(
    st.none(),
    st.sampled_from([1.0, 7.0, 10.0, 14.0, 30.0, 45.0, 1 / 24, 0.5]),
    # so long that a term within milliseconds of now is exactly 1.0 in floats
    st.sampled_from([1e9, 1e12]),
    st.floats(0.001, 400, allow_nan=False),
)
expiries = st.one_of(st.none(), st.sampled_from([1.0, 30.0, 180.0, 1 / 24]), st.floats(0.0005, 400))
conditions = st.one_of(
    st.just([]),
    st.sampled_from(
        [
            [{"property": "path", "contains": "/pricing"}],
            [{"property": "path", "equals": "/blog"}],
            [{"property": "path", "present": False}],
            [{"property": "path", "regex": "^/p"}, {"property": "path", "not_in": ["/pricing"]}],
        ]
    ),
)
engagement_rules = st.lists(
    st.fixed_dictionaries(
        {
            "label": st.sampled_from(["A", "B", "C"]),
            "type": st.sampled_from(TYPES),
            "points": st.sampled_from([1, 3, 5, 10, 30, 40]) | st.integers(1, 100),
        },
        optional={
            "where": conditions,
            "cap": st.integers(1, 120),
            "half_life_days": half_lives.filter(lambda v: v is not None),
            "expires_after_days": expiries.filter(lambda v: v is not None),
        },
    ),
    min_size=1,
    max_size=5,
)
hot_rules = st.lists(
    st.fixed_dictionaries(
        {
            "label": st.just("Hot"),
            "types": st.lists(st.sampled_from(TYPES), min_size=1, max_size=2),
            "within_days": st.sampled_from([1.0, 7.0, 1 / 24]) | st.floats(0.001, 30),
        },
        optional={"where": conditions},
    ),
    max_size=2,
)
rules_strategy = st.builds(
    lambda engagement, hot: ScoringRules.model_validate(
        {"threshold": {"mql": 50}, "engagement": engagement, "hot": hot}
    ),
    engagement_rules,
    hot_rules,
)
#: offsets from now: whole hours and days (exact boundaries) or any microsecond
offsets = st.one_of(
    st.integers(-24 * 400, 3).map(lambda h: h * HOUR),
    st.integers(-60, 0).map(lambda d: d * DAY),
    st.integers(-400 * DAY, 2 * HOUR),
    st.integers(-2 * HOUR, 2 * HOUR),
    st.integers(-10_000, 10_000),
    st.just(0),
)
steps_forward = st.one_of(
    st.just(0),
    st.integers(1, 3).map(lambda h: h * HOUR),
    st.integers(1, 40).map(lambda d: d * DAY),
    st.integers(1, 40).map(lambda d: d * DAY),
    st.integers(1, 200 * DAY),
    st.integers(1, 5_000_000),
    st.integers(-5_000_000, -1),  # another instance's clock, a little behind
    st.integers(-2 * DAY, -1),  # a clock set back far: the state is rebuilt
)
activity = st.tuples(offsets, st.sampled_from(TYPES), st.sampled_from(PATHS), st.integers(0, 3))
steps = st.lists(st.tuples(steps_forward, st.lists(activity, max_size=6)), min_size=1, max_size=12)


@settings(max_examples=3000, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rules_strategy, steps)
def test_incremental_score_equals_full_rescoring(rules: ScoringRules, plan_steps) -> None:
    history = MemoryHistory()
    profile = {"email": "ann@acme.io", "attributes": {}}
    state, now, next_id = None, micros(START), 1
    for step, batch in plan_steps:
        now += step
        stamped = []
        for offset, kind, path, copies in batch:
            for _ in range(1 + copies // 3):  # now and then the same moment twice
                stamped.append(Stamped(kind, now + offset, {"path": path}, next_id))
                next_id += 1
        state = check_step(rules, profile, history, state, now, stamped)


def test_sums_on_rounding_boundaries_are_settled_exactly() -> None:
    """A term worth exactly half a point, its sum kept over days: every case, not a sample."""
    profile = {"email": "ann@acme.io", "attributes": {}}
    for half_life in (7.0, 10.0, 14.0, 45.0):
        for points in (3, 10, 30, 40):
            rules = ScoringRules.model_validate(
                {"threshold": {"mql": 50},
                 "engagement": [{"label": "Visits", "type": "page_view", "points": points,
                                 "half_life_days": half_life}]}
            )  # fmt: skip
            for age in range(20):
                for later in range(1, 40):
                    history, now = MemoryHistory(), micros(START)
                    first = [Stamped("page_view", now - age * DAY, {}, 1)]
                    state = check_step(rules, profile, history, None, now, first)
                    check_step(rules, profile, history, state, now + later * DAY, [])


def test_clocks_that_jitter_back_and_forth_across_expiry_and_future_dates() -> None:
    """Short windows crossed both ways, to the microsecond, as skewed clocks cross them."""
    rules = ScoringRules.model_validate(
        {"threshold": {"mql": 50},
         "engagement": [
             {"label": "Gone soon", "type": "page_view", "points": 7, "expires_after_days": 1e-4},
             {"label": "Fades", "type": "page_view", "points": 5, "half_life_days": 2e-5,
              "expires_after_days": 5e-5, "where": [{"property": "path", "contains": "/p"}]},
             {"label": "Signed up", "type": "webinar", "points": 3, "half_life_days": 1.0}],
         "hot": [{"label": "Hot", "types": ["webinar"], "within_days": 3e-5}]}
    )  # fmt: skip
    profile = {"email": "ann@acme.io", "attributes": {}}
    for seed in range(6):
        rng = random.Random(seed)
        history, state, now = MemoryHistory(), None, micros(START)
        for n in range(400):
            now += rng.choice([1, -1, 2_000_000, -2_000_000, 7_000_000, -700_000, 8_640_000])
            batch = [
                Stamped(
                    rng.choice(["page_view", "webinar"]),
                    now + rng.randrange(-9_000_000, 3_000_000),
                    {"path": rng.choice(["/p", "/x"])},
                    2 * n + k,
                )
                for k in range(rng.randrange(3))
            ]
            state = check_step(rules, profile, history, state, now, batch)
        assert history.reads["all"] == 1


def test_an_activity_expires_at_the_microsecond_score_lead_drops_it() -> None:
    profile = {"email": "ann@acme.io", "attributes": {}}
    for days in (1.0, 1 / 24, 0.3, 180.0, 7.123456789):
        rules = ScoringRules.model_validate(
            {"threshold": {"mql": 50},
             "engagement": [{"label": "Signed up", "type": "newsletter_signup", "points": 3,
                             "expires_after_days": days}]}
        )  # fmt: skip
        history, now = MemoryHistory(), micros(START)
        state = check_step(
            rules, profile, history, None, now, [Stamped("newsletter_signup", now, {}, 1)]
        )
        edge = now + round(days * DAY)
        for at in (edge - 2, edge - 1, edge, edge + 1, edge + 2, edge + 1, edge, edge - 1):
            state = check_step(rules, profile, history, state, at, [])


def test_default_rules_over_a_long_busy_history_rarely_read_anything() -> None:
    """Microsecond times, as in production: the kept state answers nearly every event alone."""
    rules = load_config(None).scoring
    rng = random.Random(15)
    kinds = ["page_view"] * 10 + ["pricing_view", "email_click", "newsletter_signup",
                                  "demo_request", "webinar", "content_download"]  # fmt: skip
    history, state, now = MemoryHistory(), None, micros(START)
    profile = {"email": "ann@acme.io", "job_title": "VP Sales", "attributes": {}}
    for n in range(3_000):
        now += rng.randrange(1, 6 * HOUR)
        kind = rng.choice(kinds)
        at = now - rng.randrange(0, 2_000_000)
        path = rng.choice(["/pricing", "/blog/a", "/docs"])
        state = check_step(
            rules, profile, history, state, now, [Stamped(kind, at, {"path": path}, n)]
        )
    assert history.reads["all"] == 1  # the first event, with no state yet
    assert history.reads["type"] <= 3  # a sum on a rounding boundary, now and then
    # a read when a newsletter sign-up expires (180 days), never one per event
    signups = sum(1 for row in history.rows if row.type == "newsletter_signup")
    assert history.reads["span"] <= signups < 300


def test_spans_and_their_neighbours_are_what_the_state_asks_for() -> None:
    """A future-dated activity moves among the older ones once its time has come."""
    rules = ScoringRules.model_validate(
        {"threshold": {"mql": 50},
         "engagement": [{"label": "Visits", "type": "page_view", "points": 10,
                         "half_life_days": 1.0}]}
    )  # fmt: skip
    history = MemoryHistory()
    now = micros(START)
    profile = {"email": "ann@acme.io", "attributes": {}}
    ahead = Stamped("page_view", now + HOUR, {}, 1)
    state = check_step(rules, profile, history, None, now, [ahead])
    assert state.next_exact == ahead.at
    state = check_step(rules, profile, history, state, now + 2 * HOUR, [])
    assert history.reads["span"] == 1 and state.next_exact is None
    assert state.tallies[0].exact == 0 and state.tallies[0].past == 1
    state = check_step(rules, profile, history, state, now + 3 * HOUR, [])
    assert history.reads["span"] == 1
