"""Digest periods: contiguous, in local time, right across daylight-saving changes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.config.digests import DigestsConfig
from bot.config.rules import RulesError, parse_config
from bot.digests.schedule import cron_fields, latest_period

BERLIN = ZoneInfo("Europe/Berlin")


def config(**schedule: object) -> DigestsConfig:
    return DigestsConfig.model_validate(
        {"timezone": "Europe/Berlin", "schedules": [{"channel": "C0SALES", **schedule}]}
    )


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_weekday_digest_on_monday_covers_the_weekend() -> None:
    digests = config(at="08:00")
    period = latest_period(digests, digests.schedules[0], utc(2026, 11, 23, 9, 0))
    assert period.key == "daily:2026-11-23"
    assert period.start == utc(2026, 11, 20, 7, 0)  # Friday 08:00 CET
    assert period.end == utc(2026, 11, 23, 7, 0)


def test_before_todays_time_the_latest_period_is_yesterdays() -> None:
    digests = config(at="08:00")
    period = latest_period(digests, digests.schedules[0], utc(2026, 11, 24, 6, 59))
    assert period.key == "daily:2026-11-23"


def test_the_last_sunday_of_october_fires_once_at_the_right_instant() -> None:
    """Berlin leaves summer time at 03:00 on 25 Oct 2026: 08:00 is 06:00 UTC before, 07:00 after."""
    digests = config(at="08:00", days=["mon", "tue", "wed", "thu", "fri", "sat", "sun"])
    schedule = digests.schedules[0]
    trigger = CronTrigger(timezone=digests.zone_of(schedule), **cron_fields(schedule))
    fires = []
    at = utc(2026, 10, 23, 12, 0)
    for _ in range(4):
        at = trigger.get_next_fire_time(None, at + timedelta(seconds=1))
        fires.append(at.astimezone(UTC))
    assert fires == [
        utc(2026, 10, 24, 6, 0),
        utc(2026, 10, 25, 7, 0),
        utc(2026, 10, 26, 7, 0),
        utc(2026, 10, 27, 7, 0),
    ]
    # the scheduler's cron trigger fires exactly where the periods end
    trigger = CronTrigger(timezone=digests.zone_of(schedule), **cron_fields(schedule))
    assert [trigger.get_next_fire_time(None, f - timedelta(seconds=1)) for f in fires] == fires
    periods = [latest_period(digests, schedule, fire) for fire in fires]
    assert [p.key for p in periods] == [f"daily:2026-10-{d}" for d in (24, 25, 26, 27)]
    for before, after in pairwise(periods):
        assert before.end == after.start  # no gap, no overlap
    assert periods[1].end - periods[1].start == timedelta(hours=25)
    assert periods[2].end - periods[2].start == timedelta(hours=24)


def test_weekly_edition_covers_seven_local_days() -> None:
    digests = config(edition="weekly", at="08:30")
    period = latest_period(digests, digests.schedules[0], utc(2026, 11, 25, 12, 0))
    assert period.key == "weekly:2026-11-23"
    assert period.end - period.start == timedelta(days=7)


@pytest.mark.parametrize(
    ("section", "problem"),
    [
        ("timezone: Mars/Base", "unknown time zone"),
        ("schedules: [{channel: C0SALES, at: '25:00'}]", "24-hour time"),
        ("schedules: [{channel: C0SALES, edition: weekly, days: [mon, fri]}]", "exactly one day"),
        ("schedules: [{channel: C0SALES, days: [someday]}]", "digests.schedules[0].days[0]"),
    ],
)
def test_mistakes_in_the_digests_section_are_named(section: str, problem: str) -> None:
    text = "scoring:\n  threshold:\n    mql: 50\ndigests:\n  " + section + "\n"
    with pytest.raises(RulesError) as caught:
        parse_config(text)
    assert problem in "\n".join(caught.value.problems)


def test_an_unquoted_yaml_time_is_read_as_meant() -> None:
    text = (
        "scoring:\n  threshold:\n    mql: 50\ndigests:\n  schedules: [{channel: C0S, at: 8:30}]\n"
    )
    assert parse_config(text).digests.schedules[0].at == "08:30"
