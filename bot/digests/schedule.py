"""When digests go out, which period each covers, and the claim that sends each once.

A digest scheduled at a local time covers the time since the previous
scheduled run up to this one, so consecutive periods neither overlap nor
leave a gap: Monday's 08:00 digest on a weekdays schedule covers Friday 08:00
to Monday 08:00. Times are local wall-clock times in the schedule's zone, so
the period that spans a daylight-saving change is an hour longer or shorter.

Exactly once: a digest is claimed by inserting the unique
``(channel, period)`` row of ``DigestRun`` in the same transaction that
queues its Slack message, so however many instances or restarts try, one
commit wins and the others find the row taken.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from bot.config.digests import WEEKDAYS, DigestSchedule, DigestsConfig
from bot.leads.unit_of_work import Work
from bot.slack.blocks import OutgoingMessage
from storage import digest_runs
from storage.outbox import enqueue_slack

#: a schedule runs at least once a week, so a fortnight always holds two runs
_LOOKBACK_DAYS = 15
DIGEST_PURPOSE = "digest"


@dataclass(frozen=True)
class Period:
    """The stretch of time one digest covers, ``[start, end)`` in UTC."""

    edition: str
    start: datetime
    end: datetime
    #: ``daily:2026-10-26``: the edition and the local date the digest goes out
    key: str


def _runs_before(
    schedule: DigestSchedule, config: DigestsConfig, instant: datetime
) -> Iterator[tuple[date, datetime]]:
    """Scheduled instants at or before ``instant``, latest first (UTC)."""
    zone = config.zone_of(schedule)
    days = {WEEKDAYS.index(day) for day in schedule.weekdays}
    local_day: date = instant.astimezone(zone).date()
    for back in range(_LOOKBACK_DAYS):
        day = local_day - timedelta(days=back)
        if day.weekday() not in days:
            continue
        fire = datetime.combine(day, schedule.time_of_day, tzinfo=zone).astimezone(UTC)
        if fire <= instant:
            yield day, fire


def latest_period(config: DigestsConfig, schedule: DigestSchedule, now: datetime) -> Period:
    """The period of the latest run due at or before ``now``: the one to send (or catch up)."""
    runs = _runs_before(schedule, config, now)
    day, end = next(runs)
    _, start = next(runs)
    return Period(schedule.edition, start, end, f"{schedule.edition}:{day.isoformat()}")


def cron_fields(schedule: DigestSchedule) -> dict[str, str | int]:
    """The APScheduler cron fields of a schedule (its zone is passed separately)."""
    clock = schedule.time_of_day
    return {
        "hour": clock.hour,
        "minute": clock.minute,
        "day_of_week": ",".join(schedule.weekdays),
    }


def dedupe_key(channel: str, period: Period) -> str:
    return f"digest:{channel}:{period.key}"


def claim_and_enqueue(
    work: Work,
    *,
    channel: str,
    period: Period,
    message: OutgoingMessage,
    claimed_by: str,
    now: datetime,
) -> bool:
    """Claim ``(channel, period)`` and queue the digest in one transaction.

    Returns ``False`` when another instance or an earlier run claimed it.
    """
    if not digest_runs.claim(work.conn, channel=channel, period=period.key, at=now, by=claimed_by):
        return False
    enqueue_slack(
        work.conn,
        dedupe_key=dedupe_key(channel, period),
        target=channel,
        method="chat.postMessage",
        args={"channel": channel, **message.as_kwargs()},
        purpose=DIGEST_PURPOSE,
    )
    return True
