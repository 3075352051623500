"""Per-channel pacing: a burst, then a steady rate; a 429 pauses the channel."""

from __future__ import annotations

import pytest

from bot.delivery.pacing import Pacer


def _send_times(pacer: Pacer, target: str, count: int, start: float = 100.0) -> list[float]:
    times, now = [], start
    for _ in range(count):
        now = pacer.ready_at(target, now)
        pacer.take(target, now)
        times.append(now)
    return times


def test_a_burst_goes_at_once_then_one_per_interval() -> None:
    times = _send_times(Pacer(per_second=2, burst=3), "C1", 6)
    assert times[:3] == [100.0, 100.0, 100.0]
    assert times[3:] == pytest.approx([100.5, 101.0, 101.5])


def test_channels_are_paced_independently() -> None:
    pacer = Pacer(per_second=1, burst=1)
    _send_times(pacer, "C1", 5)
    assert pacer.ready_at("C2", 100.0) == 100.0
    assert pacer.ready_at("C1", 100.0) == pytest.approx(105.0)


def test_the_bucket_refills_while_idle() -> None:
    pacer = Pacer(per_second=1, burst=2)
    _send_times(pacer, "C1", 4)
    assert _send_times(pacer, "C1", 2, start=200.0) == [200.0, 200.0]


def test_a_pause_holds_every_call_then_resumes_without_a_burst() -> None:
    pacer = Pacer(per_second=4, burst=4)
    pacer.pause("C1", 110.0)
    assert pacer.resumes_at("C1", 100.0) == 110.0
    assert pacer.resumes_at("C2", 100.0) == 100.0
    assert _send_times(pacer, "C1", 3) == pytest.approx([110.0, 110.25, 110.5])


def test_a_pause_never_shortens_an_earlier_one() -> None:
    pacer = Pacer(per_second=1)
    pacer.pause("C1", 120.0)
    pacer.pause("C1", 110.0)
    assert pacer.ready_at("C1", 100.0) == 120.0


def test_nonsense_rates_are_refused() -> None:
    with pytest.raises(ValueError):
        Pacer(per_second=0)
    with pytest.raises(ValueError):
        Pacer(per_second=1, burst=0)


def test_blocked_lists_targets_that_cannot_send_within_the_horizon() -> None:
    pacer = Pacer(per_second=1.0, burst=1)
    for _ in range(5):
        pacer.take("C0BUSY", pacer.ready_at("C0BUSY", 100.0))
    pacer.take("C0CALM", 100.0)
    pacer.pause("C0LIMITED", until=130.0)
    assert sorted(pacer.blocked(100.0, horizon=2.0)) == ["C0BUSY", "C0LIMITED"]
    assert pacer.blocked(200.0, horizon=2.0) == []
