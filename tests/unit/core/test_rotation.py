"""The rotation's arithmetic: fair shares, spread out, no catching up, working hours."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, time

from hypothesis import given
from hypothesis import strategies as st

from bot.core.accounts import company_domain
from bot.core.rotation import Hours, Limits, Load, Seat, pick, unavailable


def run(weights: dict[str, int], leads: int, available: set[str] | None = None) -> list[str]:
    credits = dict.fromkeys(weights, 0)
    order = []
    for _ in range(leads):
        seats = [Seat(user, weight, credits[user]) for user, weight in weights.items()]
        chosen = pick(seats, frozenset(available if available is not None else weights))
        assert chosen is not None
        credits.update(chosen.credits)
        order.append(chosen.user_id)
    return order


@given(st.lists(st.integers(1, 20), min_size=1, max_size=12), st.integers(1, 400))
def test_every_count_is_less_than_one_lead_from_its_share(weights: list[int], leads: int) -> None:
    """Whatever the team and its weights (earliest deadline first keeps within one)."""
    named = {f"U{i}": w for i, w in enumerate(weights)}
    counts = Counter(run(named, leads))
    for user, weight in named.items():
        assert abs(counts[user] - leads * weight / sum(weights)) < 1


def test_equal_weights_take_turns_in_the_listed_order() -> None:
    assert run({"A": 1, "B": 1, "C": 1}, 6) == ["A", "B", "C"] * 2


def test_a_member_who_took_no_part_does_not_catch_up() -> None:
    credits = {"A": 0, "B": 0, "C": 0}
    for _ in range(10):  # C away
        chosen = pick([Seat(u, 1, c) for u, c in credits.items()], frozenset({"A", "B"}))
        assert chosen is not None
        credits.update(chosen.credits)
    back = []
    for _ in range(6):
        chosen = pick([Seat(u, 1, c) for u, c in credits.items()], frozenset(credits))
        assert chosen is not None
        credits.update(chosen.credits)
        back.append(chosen.user_id)
    assert Counter(back) == {"A": 2, "B": 2, "C": 2}


def test_nobody_to_pick() -> None:
    assert pick([Seat("A", 1)], frozenset()) is None


def test_working_hours_in_the_members_zone_and_across_midnight() -> None:
    berlin = Hours("Europe/Berlin", time(9), time(17), ("mon", "tue", "wed", "thu", "fri"))
    monday = datetime(2026, 11, 23, 7, 59, tzinfo=UTC)  # 08:59 in Berlin
    assert not berlin.open_at(monday)
    assert berlin.open_at(monday.replace(minute=0, hour=8))
    assert not berlin.open_at(datetime(2026, 11, 28, 10, 0, tzinfo=UTC))  # Saturday
    night = Hours("UTC", time(22), time(6), ("fri",))
    assert night.open_at(datetime(2026, 11, 28, 5, 0, tzinfo=UTC))  # Friday's night shift
    assert not night.open_at(datetime(2026, 11, 29, 5, 0, tzinfo=UTC))


def test_why_a_member_is_skipped() -> None:
    now = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
    limits = Limits(daily_cap=3, open_cap=5)
    assert unavailable(limits, Load(), now) is None
    assert unavailable(limits, Load(away=True), now) == "away"
    assert unavailable(limits, Load(offers_today=3), now) == "at daily cap"
    assert unavailable(limits, Load(open_leads=5), now) == "at open-lead cap"


def test_the_company_domain_never_comes_from_free_mail() -> None:
    assert company_domain("jane@Acme.example", None) == "acme.example"
    assert company_domain("jane@gmail.com", "https://www.Acme.com/pricing") == "acme.com"
    assert company_domain("jane@gmx.de", None) is None
    assert company_domain("jane@outlook.com", "gmail.com") is None
    assert company_domain(None, "not a host") is None
