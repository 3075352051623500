"""The retry schedule and the sorting of Slack's answers into retry classes."""

from __future__ import annotations

import random

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.delivery.policy import (
    DEFAULT_RETRY_AFTER,
    ErrorClass,
    RetryPolicy,
    classify_slack_error,
    parse_retry_after,
)

POLICY = RetryPolicy()


def test_the_default_schedule_doubles_from_two_seconds_up_to_an_hour() -> None:
    nominal = [POLICY.nominal_delay(n) for n in range(1, 15)]
    assert nominal[:5] == [2, 4, 8, 16, 32]
    assert nominal == sorted(nominal)
    assert max(nominal) == POLICY.cap == 3600


def test_the_default_schedule_gives_up_after_about_a_day() -> None:
    hours = POLICY.total_wait() / 3600
    assert 20 <= hours <= 30
    assert POLICY.delay(POLICY.max_attempts - 1) is not None
    assert POLICY.delay(POLICY.max_attempts) is None


@given(st.integers(min_value=1, max_value=10_000), st.integers(min_value=0))
def test_jittered_delays_stay_within_their_bounds(attempts: int, seed: int) -> None:
    policy = RetryPolicy(max_attempts=20_000)
    delay = policy.delay(attempts, random.Random(seed))
    nominal = policy.nominal_delay(attempts)
    assert delay is not None
    assert nominal * (1 - policy.jitter) <= delay <= nominal <= policy.cap


@given(st.integers(min_value=1, max_value=100))
def test_the_nominal_schedule_never_shrinks(attempts: int) -> None:
    assert POLICY.nominal_delay(attempts) <= POLICY.nominal_delay(attempts + 1)


def test_jitter_spreads_retries_that_failed_together() -> None:
    rng = random.Random(7)
    delays = {POLICY.delay(5, rng) for _ in range(50)}
    assert len(delays) > 40


@pytest.mark.parametrize(
    "kwargs",
    [{"base": 0}, {"factor": 0.5}, {"cap": 1, "base": 2}, {"jitter": 1}, {"max_attempts": 0}],
)
def test_nonsense_policies_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        RetryPolicy(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        (429, "ratelimited", ErrorClass.RATE_LIMITED),
        (500, "internal_error", ErrorClass.RETRYABLE),
        (503, None, ErrorClass.RETRYABLE),
        (200, "fatal_error", ErrorClass.RETRYABLE),
        (200, "service_unavailable", ErrorClass.RETRYABLE),
        (200, "request_timeout", ErrorClass.RETRYABLE),
        (200, "ratelimited", ErrorClass.RETRYABLE),
        (200, "channel_not_found", ErrorClass.PERMANENT),
        (200, "invalid_blocks", ErrorClass.PERMANENT),
        (200, "not_in_channel", ErrorClass.PERMANENT),
        (200, "invalid_auth", ErrorClass.PERMANENT),
        (404, None, ErrorClass.PERMANENT),
    ],
)
def test_slack_errors_are_classified(status: int, error: str | None, expected: ErrorClass) -> None:
    assert classify_slack_error(status, error) is expected


@pytest.mark.parametrize(
    ("header", "seconds"),
    [("30", 30.0), ("0", 0.0), (None, DEFAULT_RETRY_AFTER), ("soon", DEFAULT_RETRY_AFTER)],
)
def test_retry_after_is_read_in_seconds(header: str | None, seconds: float) -> None:
    assert parse_retry_after(header) == seconds
