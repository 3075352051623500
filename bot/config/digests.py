"""The ``digests:`` section of the rules file: which channels get a digest, and when.

Each schedule names a channel, a local time of day, the weekdays and an IANA
time zone, so "08:00 in Berlin on weekdays" stays 08:00 in Berlin across
daylight-saving changes. A ``weekly`` edition covers the seven days before it
and compares them with the seven days before that.
"""

from __future__ import annotations

import re
from datetime import time
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
Weekday = Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
_TIME = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")
_DEFAULT_DAYS: dict[str, list[Weekday]] = {
    "daily": ["mon", "tue", "wed", "thu", "fri"],
    "weekly": ["mon"],
}


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def known_zone(name: str) -> str:
    """``name`` if it is an IANA time zone, else a ``ValueError`` saying how to write one."""
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(
            f"unknown time zone {name!r}; use an IANA name such as Europe/Berlin"
        ) from None
    return name


class DigestSchedule(_Model):
    """One digest: where it goes, which edition, and at what local time on which days."""

    channel: str = Field(min_length=1, max_length=64)
    edition: Literal["daily", "weekly"] = "daily"
    #: local time of day, "HH:MM"
    at: str = "08:00"
    #: defaults to Monday–Friday for the daily edition, Monday for the weekly one
    days: list[Weekday] | None = Field(default=None, min_length=1)
    #: an IANA zone; defaults to the section's ``timezone``
    timezone: str | None = None
    #: how many entries each list in the digest shows before summarising the rest
    top: int = Field(default=5, ge=1, le=20)

    @field_validator("at", mode="before")
    @classmethod
    def _sexagesimal(cls, value: Any) -> Any:
        # YAML 1.1 reads an unquoted 8:30 as the number 510 (minutes); take it back
        if isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 24 * 60:
            return f"{value // 60:02d}:{value % 60:02d}"
        return value

    @field_validator("at")
    @classmethod
    def _time(cls, value: str) -> str:
        if not _TIME.match(value):
            raise ValueError(f'use a 24-hour time such as "08:00", not {value!r}')
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        return None if value is None else known_zone(value)

    @model_validator(mode="after")
    def _weekly_once(self) -> DigestSchedule:
        if self.edition == "weekly" and self.days is not None and len(self.days) != 1:
            raise ValueError("a weekly digest goes out on exactly one day")
        if self.days is not None and len(set(self.days)) != len(self.days):
            raise ValueError("a day is listed twice")
        return self

    @property
    def time_of_day(self) -> time:
        hour, minute = self.at.split(":")
        return time(int(hour), int(minute))

    @property
    def weekdays(self) -> list[Weekday]:
        return list(self.days or _DEFAULT_DAYS[self.edition])

    @property
    def job_name(self) -> str:
        return f"digest:{self.edition}:{self.channel}:{self.at}"


class DigestsConfig(_Model):
    #: the zone schedules use unless they name their own; also where quarters begin
    timezone: str = "UTC"
    schedules: list[DigestSchedule] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        return known_zone(value)

    @model_validator(mode="after")
    def _distinct(self) -> DigestsConfig:
        keys = [(s.channel, s.edition) for s in self.schedules]
        if len(set(keys)) != len(keys):
            raise ValueError("each channel has at most one daily and one weekly schedule")
        return self

    def zone_of(self, schedule: DigestSchedule) -> ZoneInfo:
        return ZoneInfo(schedule.timezone or self.timezone)

    def schedule_for(self, channel: str, edition: str) -> DigestSchedule:
        """The channel's schedule of that edition, or the default one (for previews)."""
        for schedule in self.schedules:
            if schedule.channel == channel and schedule.edition == edition:
                return schedule
        return DigestSchedule(channel=channel, edition=edition)  # type: ignore[arg-type]
