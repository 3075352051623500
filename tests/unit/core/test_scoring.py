"""Scoring: one test per rule kind, then the invariants as properties."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given
from hypothesis import strategies as st

from bot.config.rules import load_config, parse_config
from bot.core.lifecycle import plan_after_score
from bot.core.scoring import ActivityRecord, Contribution, score_lead
from storage.enums import Stage
from tests.support.leads import SENIOR_BUYER

NOW = datetime(2026, 3, 1, 12, tzinfo=UTC)
RULES = parse_config(
    """\
scoring:
  threshold: {mql: 40, min_fit: 10}
  fit:
    - {label: Senior, field: job_title, regex: '\\b(vp|director)\\b', points: 20}
    - {label: Mid-size, field: company_size, min: 50, max: 200, points: 10}
    - {label: Target country, field: country, in: [us, gb], points: 5}
    - {label: Not a partner, field: attributes.partner, not_in: ["yes"], points: 2}
    - {label: No company, field: company, present: false, points: -5}
    - {label: Retail, field: industry, equals: Retail, points: 3}
  engagement:
    - {label: Demo, type: demo_request, points: 30}
    - {label: Pricing, type: page_view, where: [{property: path, contains: /pricing}],
       points: 10, cap: 20}
    - {label: Visits, type: page_view, points: 1, cap: 5, half_life_days: 10}
    - {label: Newsletter, type: newsletter_signup, points: 4, expires_after_days: 30}
  disqualify:
    - {label: Free mail, field: email_domain, in: [gmail.com], reason: personal address}
    - {label: Do not contact, field: attributes.do_not_contact, equals: true, reason: opted out}
  hot:
    - {label: Demo this week, types: [demo_request], within_days: 7}
"""
).scoring

PROFILE = {"email": "ann@acme.io", "company": "Acme", "attributes": {}}


def activity(kind: str, days_ago: float = 0, **properties: str) -> ActivityRecord:
    return ActivityRecord(kind, NOW - timedelta(days=days_ago), properties)


def labels(profile: dict, activities: list[ActivityRecord] = ()) -> dict[str, int]:
    return {c.label: c.points for c in score_lead(profile, activities, RULES, NOW).contributions}


def test_fit_operators_match_case_insensitively_with_inclusive_min_exclusive_max() -> None:
    profile = {**PROFILE, "job_title": "VP Sales", "company_size": 50, "country": "US"}
    assert labels(profile) == {"Senior": 20, "Mid-size": 10, "Target country": 5}
    assert "Mid-size" not in labels({**profile, "company_size": 200})
    assert labels({**PROFILE, "industry": "RETAIL"}) == {"Retail": 3}


def test_missing_values_only_match_present_false() -> None:
    scored = labels({"email": "ann@acme.io", "attributes": {"partner": "no"}})
    assert scored == {"No company": -5, "Not a partner": 2}
    # no partner attribute at all: not_in does not match a missing value
    assert "Not a partner" not in labels(PROFILE)


def test_engagement_caps_filters_and_stable_order() -> None:
    views = [activity("page_view", path="/pricing/teams") for _ in range(4)]
    views += [activity("page_view", path="/blog") for _ in range(9)]
    score = score_lead(PROFILE, [activity("demo_request"), *views], RULES, NOW)
    engagement = [c for c in score.contributions if c.kind == "engagement"]
    assert [(c.label, c.points) for c in engagement] == [
        ("Demo", 30),
        ("Pricing", 20),
        ("Visits", 5),
    ]
    assert engagement[1].detail == "4× page_view, capped at 20"
    assert score.engagement == 55 and score.total == score.fit + 55


def test_half_life_and_expiry() -> None:
    assert labels(PROFILE, [activity("page_view", 10)])["Visits"] == 1  # 0.5 rounds up
    assert "Visits" not in labels(PROFILE, [activity("page_view", 12)])  # 0.43 rounds to 0
    assert labels(PROFILE, [activity("newsletter_signup", 29)])["Newsletter"] == 4
    assert "Newsletter" not in labels(PROFILE, [activity("newsletter_signup", 31)])


def test_first_matching_disqualify_rule_gives_the_reason() -> None:
    profile = {"email": "Ann@GMAIL.com", "attributes": {"do_not_contact": True}}
    score = score_lead(profile, [], RULES, NOW)
    assert score.disqualify_reason == "personal address"
    assert [c for c in score.contributions if c.kind == "disqualify"] == [
        Contribution("disqualify", "Free mail", 0, "personal address")
    ]
    opted_out = {**PROFILE, "attributes": {"do_not_contact": True}}
    assert score_lead(opted_out, [], RULES, NOW).disqualify_reason == "opted out"


def test_hot_only_within_the_window() -> None:
    assert score_lead(PROFILE, [activity("demo_request", 6)], RULES, NOW).hot
    assert not score_lead(PROFILE, [activity("demo_request", 8)], RULES, NOW).hot


def test_reasons_are_json_ready_in_contribution_order() -> None:
    profile = {**PROFILE, "job_title": "Director"}
    reasons = score_lead(profile, [activity("demo_request")], RULES, NOW).to_reasons()
    assert reasons == [
        {"kind": "fit", "label": "Senior", "points": 20},
        {"kind": "engagement", "label": "Demo", "points": 30},
        {"kind": "hot", "label": "Demo this week", "points": 0},
    ]


def test_default_rules_qualify_a_senior_buyer_who_asked_for_a_demo() -> None:
    rules = load_config(None).scoring
    score = score_lead(SENIOR_BUYER, [activity("demo_request", 1)], rules, NOW)
    assert plan_after_score(Stage.NEW, score, rules, mql_at=None, stage_changed_at=None, now=NOW)
    assert score.hot


# ---------------------------------------------------------------- properties --

TYPES = ["demo_request", "page_view", "newsletter_signup", "webinar", "pricing_view"]
activities_strategy = st.lists(
    st.builds(
        ActivityRecord,
        type=st.sampled_from(TYPES),
        occurred_at=st.integers(-2, 400 * 24).map(lambda h: NOW - timedelta(hours=h)),
        properties=st.fixed_dictionaries({"path": st.sampled_from(["/pricing", "/blog", ""])}),
    ),
    max_size=25,
)
profiles = st.fixed_dictionaries(
    {
        "email": st.sampled_from(["a@acme.io", "b@gmail.com", "c@initech.com"]),
        "job_title": st.sampled_from(["VP Sales", "Student", "", None, "Director of IT"]),
        "company_size": st.one_of(st.none(), st.integers(0, 10_000)),
        "country": st.sampled_from(["US", "BR", "de", None]),
        "company": st.sampled_from(["Acme", None]),
        "attributes": st.fixed_dictionaries({"do_not_contact": st.booleans()}),
    }
)
ALL_RULES = [RULES, load_config(None).scoring]


@given(profiles, activities_strategy, st.sampled_from(ALL_RULES))
def test_scoring_is_deterministic(profile, activities, rules) -> None:
    assert score_lead(profile, activities, rules, NOW) == score_lead(
        dict(profile), list(activities), rules, NOW
    )


@given(profiles, activities_strategy, activities_strategy, st.sampled_from(ALL_RULES))
def test_more_activity_never_lowers_engagement(profile, activities, extra, rules) -> None:
    before = score_lead(profile, activities, rules, NOW).engagement
    assert score_lead(profile, activities + extra, rules, NOW).engagement >= before


@given(profiles, activities_strategy, st.integers(0, 500 * 24), st.sampled_from(ALL_RULES))
def test_time_passing_never_raises_a_score(profile, activities, hours, rules) -> None:
    earlier = score_lead(profile, activities, rules, NOW)
    later = score_lead(profile, activities, rules, NOW + timedelta(hours=hours))
    assert later.engagement <= earlier.engagement
    assert later.total <= earlier.total


@given(profiles, activities_strategy, st.sampled_from(list(Stage)), st.sampled_from(ALL_RULES))
def test_a_disqualified_lead_never_becomes_mql(profile, activities, stage, rules) -> None:
    score = score_lead(profile, activities, rules, NOW)
    plan = plan_after_score(stage, score, rules, mql_at=None, stage_changed_at=None, now=NOW)
    if score.disqualify_reason is not None:
        assert plan is None or plan.to_stage is Stage.DISQUALIFIED


def test_a_combined_fit_rule_scores_only_when_all_its_conditions_hold() -> None:
    rules = parse_config(
        """\
scoring:
  threshold: {mql: 10}
  fit:
    - {label: API, field: attributes.origin, equals: API, points: 4}
    - label: API and SMS
      all:
        - {field: attributes.origin, equals: api}
        - {field: attributes.last_activity, in: [SMS Sent, Called]}
      points: 7
"""
    ).scoring
    both = {"attributes": {"origin": "API", "last_activity": "SMS Sent"}}
    one = {"attributes": {"origin": "API", "last_activity": "Email Opened"}}
    score = score_lead(both, [], rules, NOW)
    assert score.fit == 11
    assert score.contributions[1] == Contribution(
        "fit",
        "API and SMS",
        7,
        "attribute origin is api and attribute last_activity is SMS Sent or Called",
    )
    assert score_lead(one, [], rules, NOW).fit == 4
    assert score_lead({"attributes": {"last_activity": "SMS Sent"}}, [], rules, NOW).fit == 0


def test_a_profile_seen_before_scores_the_same_and_true_is_not_one() -> None:
    rules = parse_config(
        """\
scoring:
  threshold: {mql: 10}
  fit:
    - {label: Counted, field: attributes.seats, min: 1, points: 4}
  disqualify:
    - {label: Opted out, field: attributes.seats, equals: 0, reason: none wanted}
"""
    ).scoring
    one, true = {"attributes": {"seats": 1}}, {"attributes": {"seats": True}}
    for _ in range(2):  # the second round answers from what the first remembered
        assert score_lead(one, [], rules, NOW).fit == 4
        assert score_lead(true, [], rules, NOW).fit == 0  # a range never matches a boolean
        assert score_lead({"attributes": {"seats": 0}}, [], rules, NOW).disqualify_reason
        assert score_lead({"attributes": {"seats": [1]}}, [], rules, NOW).fit == 0
