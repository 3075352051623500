"""What a lead's score needs, kept per lead so an event costs the same however long its history.

``score_lead`` reads every activity of a lead. A :class:`ScoreState` keeps, as
of one moment (``as_of``, µs since the epoch), what each rule's outcome
depends on:

* per engagement rule, the count of matching activities it still counts; for
  a fading rule split into those dated at or after ``as_of`` (``score_lead``
  counts each as exactly its points) and older ones, whose faded values live
  in a :class:`~bot.core.decay_sum.DecaySum`;
* per expiring rule, a lower bound on the oldest counted activity and an upper
  bound on the newest expired one, so the activities crossing the expiry line
  are looked at only when some do;
* per hot rule, the newest matching activity: a lead is hot exactly when that
  one is within the window;
* bounds on the activities dated after ``as_of`` and before it, so a
  future-dated activity is moved among the older ones when its time comes.

:func:`fold` adds activities; :func:`advance` moves the state to another time,
given the activities :func:`spans` names (usually none); :func:`evaluate`
gives the score, or the rules whose raw sum lies too near a rounding boundary
to be sure, which :func:`settle_exactly` recomputes from their activities
with ``score_lead``'s own arithmetic. Every result equals ``score_lead``'s.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from bot.core.decay_sum import REBASE_AFTER, DecaySum, U, raw_bounds
from bot.core.scoring import ActivityRecord, Plan, Score, Settled, assemble, rule_sum

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)
_MICROS = 1_000_000
#: an expiry longer than any span of datetimes (in seconds) never takes effect
_NEVER = 1e12
#: going back further than this in time rebuilds the state instead (clock skew is far less)
REWIND_LIMIT = 3_600 * _MICROS

_DROPPED, _PAST, _EXACT = 0, 1, 2


def micros(moment: datetime) -> int:
    """A time as whole microseconds since the epoch (exact)."""
    return (moment - _EPOCH) // _MICROSECOND


@dataclass(frozen=True, slots=True)
class Stamped:
    """An activity as the state reads it; ``id`` tells apart copies read twice."""

    type: str
    at: int
    properties: Mapping[str, Any]
    id: int | None = None


@dataclass(slots=True)
class Tally:
    """One engagement rule's part of a state."""

    exact: int = 0
    past: int = 0
    decay: DecaySum | None = None
    oldest: int | None = None
    dropped: int | None = None


@dataclass(slots=True)
class ScoreState:
    as_of: int
    tallies: dict[int, Tally] = field(default_factory=dict)
    latest: dict[int, int] = field(default_factory=dict)
    #: at most the earliest time ≥ ``as_of`` of an activity a fading rule may count
    next_exact: int | None = None
    #: at least the latest time < ``as_of`` of such an activity
    last_past: int | None = None


@dataclass(frozen=True, slots=True)
class Span:
    """Activities to read, dated in [start, end) and of ``type`` (any when None).

    ``neighbour`` asks also for the time of the first activity (of that type)
    dated at or after ``end`` ("after"), or of the last one before ``start``
    ("before"). ``rule`` is the expiring rule the span serves (None: the line
    between future-dated and older activities).
    """

    start: int
    end: int
    type: str | None
    neighbour: Literal["after", "before"]
    rule: int | None


SpanRead = tuple[Span, Sequence[Stamped], int | None]


def _standing(at: int, now: int, expiry: float) -> int:
    """How ``score_lead`` at ``now`` treats an activity at ``at``, by its own comparisons."""
    if at >= now:
        return _EXACT
    return _PAST if (now - at) / _MICROS <= expiry else _DROPPED


def _enter(tally: Tally, at: int, standing: int, inverse: float) -> None:
    if standing == _DROPPED:
        tally.dropped = at if tally.dropped is None else max(tally.dropped, at)
        return
    tally.oldest = at if tally.oldest is None else min(tally.oldest, at)
    if standing == _EXACT and tally.decay is not None:
        tally.exact += 1
        return
    tally.past += 1
    if tally.decay is not None:
        tally.decay.add(at, inverse)


def _leave(tally: Tally, at: int, standing: int, inverse: float) -> None:
    if standing == _DROPPED:
        return
    if standing == _EXACT and tally.decay is not None:
        tally.exact -= 1
        return
    tally.past -= 1
    if tally.decay is not None:
        if tally.past:
            tally.decay.add(at, inverse, -1.0)
        else:
            tally.decay.reset(tally.decay.anchor)


def fold(state: ScoreState, plan: Plan, activities: Iterable[Stamped]) -> None:
    """Count ``activities`` (not counted before) as of ``state.as_of``."""
    now, by_type = state.as_of, plan.by_type
    for activity in activities:
        steps = by_type.get(activity.type)
        if steps is None:
            continue
        engagement_steps, hot_steps = steps
        at, properties = activity.at, activity.properties
        fading = False
        for index, _points, inverse, expiry, where in engagement_steps:
            fading = fading or inverse != 0.0
            if where is None or where(properties):
                tally = state.tallies.get(index)
                if tally is None:
                    decay = DecaySum(now) if inverse else None
                    tally = state.tallies[index] = Tally(decay=decay)
                _enter(tally, at, _standing(at, now, expiry), inverse)
        for index, _window, where in hot_steps:
            if where is None or where(properties):
                latest = state.latest.get(index)
                state.latest[index] = at if latest is None else max(latest, at)
        if fading:
            if at >= now:
                state.next_exact = at if state.next_exact is None else min(state.next_exact, at)
            else:
                state.last_past = at if state.last_past is None else max(state.last_past, at)


def build(plan: Plan, now: int, activities: Iterable[Stamped]) -> ScoreState:
    """A state from a lead's whole history."""
    state = ScoreState(now)
    fold(state, plan, activities)
    return state


def spans(state: ScoreState, plan: Plan, now: int) -> list[Span] | None:
    """What must be read to move ``state`` to ``now``; None when it should be rebuilt instead."""
    then = state.as_of
    if now == then:
        return []
    if now < then - REWIND_LIMIT:
        return None
    found = []
    if now > then:
        if state.next_exact is not None and state.next_exact < now:
            found.append(Span(state.next_exact, now, None, "after", None))
    elif state.last_past is not None and state.last_past >= now:
        found.append(Span(now, then, None, "before", None))
    for index, tally in state.tallies.items():
        rule = plan.engagement[index]
        if rule.expiry >= _NEVER:
            continue
        if now > then:
            oldest = tally.oldest
            if oldest is not None and _standing(oldest, now, rule.expiry) == _DROPPED:
                end = now - math.floor(rule.expiry * _MICROS * (1 - 4 * U)) + 1
                found.append(Span(oldest, end, rule.type, "after", index))
        else:
            dropped = tally.dropped
            if dropped is not None and _standing(dropped, now, rule.expiry) != _DROPPED:
                start = now - math.ceil(rule.expiry * _MICROS * (1 + 4 * U)) - 1
                found.append(Span(start, dropped + 1, rule.type, "before", index))
    return found


def advance(state: ScoreState, plan: Plan, now: int, reads: Sequence[SpanRead]) -> None:
    """Move ``state`` to ``now``, given the reads of the spans :func:`spans` named.

    Raises :class:`~bot.core.decay_sum.Overflow` when the state cannot be
    moved so far; it should then be rebuilt.
    """
    then = state.as_of
    state.as_of = now
    for index, tally in state.tallies.items():
        decay = tally.decay
        if decay is not None:
            inverse = plan.engagement[index].inverse_half_life
            if not tally.past:
                decay.reset(now)
            elif abs(now - decay.anchor) / _MICROS * inverse > REBASE_AFTER:
                decay.rebase(now, inverse)
    rows = {row.id: row for _, found, _ in reads for row in found}
    for row in rows.values():
        steps = plan.by_type.get(row.type)
        if steps is None:
            continue
        for index, _points, inverse, expiry, where in steps[0]:
            before, after = _standing(row.at, then, expiry), _standing(row.at, now, expiry)
            if before != after and (where is None or where(row.properties)):
                tally = state.tallies[index]
                _leave(tally, row.at, before, inverse)
                _enter(tally, row.at, after, inverse)
    for span, found, neighbour in reads:
        _tighten(state, plan, span, found, neighbour)


def _tighten(
    state: ScoreState, plan: Plan, span: Span, found: Sequence[Stamped], neighbour: int | None
) -> None:
    """Bounds after a span was read: its activities and its neighbour are all there is."""
    now = state.as_of
    if span.rule is None:
        if span.neighbour == "after":
            state.next_exact = neighbour
            if found:
                top = max(row.at for row in found)
                state.last_past = top if state.last_past is None else max(state.last_past, top)
        else:
            state.last_past = neighbour
            if found:
                low = min(row.at for row in found)
                state.next_exact = low if state.next_exact is None else min(state.next_exact, low)
        return
    rule = plan.engagement[span.rule]
    tally = state.tallies[span.rule]
    matching = [row.at for row in found if rule.where is None or rule.where(row.properties)]
    if span.neighbour == "after":
        kept = [at for at in matching if _standing(at, now, rule.expiry) != _DROPPED]
        kept.append(span.end if neighbour is None else neighbour)
        tally.oldest = min(kept) if tally.exact + tally.past else None
    else:
        gone = [at for at in matching if _standing(at, now, rule.expiry) == _DROPPED]
        if neighbour is not None:
            gone.append(neighbour)
        tally.dropped = max(gone) if gone else None


def evaluate(
    state: ScoreState,
    plan: Plan,
    profile: Mapping[str, Any],
    exact: Mapping[int, Settled | None] | None = None,
) -> Score | list[int]:
    """The score at ``state.as_of``, or the engagement rules too near a boundary to tell.

    ``exact`` gives outcomes :func:`settle_exactly` computed for such rules.
    """
    now = state.as_of
    count = len(plan.engagement)
    counts: list[int] = [0] * count
    settled: list[Settled | None] = [None] * count
    unsure = []
    for index, tally in state.tallies.items():
        counted = tally.exact + tally.past
        if not counted:
            continue
        rule = plan.engagement[index]
        counts[index] = counted
        decay = tally.decay
        if exact is not None and index in exact:
            settled[index] = exact[index]
            continue
        if decay is None:  # whole numbers only: the float sum is exact
            settled[index] = rule.settle(counted, float(counted * rule.points))
            continue
        faded, error = decay.at(now, rule.inverse_half_life)
        low, high = raw_bounds(rule.points, tally.exact, tally.past, faded, error)
        outcome = rule.settle(counted, low)
        if rule.settle(counted, high) == outcome:
            settled[index] = outcome
        else:
            unsure.append(index)
    if unsure:
        return unsure
    hot = [
        index
        for index, at in state.latest.items()
        if at >= now or (now - at) / _MICROS <= plan.hot_rules[index].window
    ]
    return assemble(plan, profile, counts, settled, hot)


def settle_exactly(
    state: ScoreState, plan: Plan, index: int, activities: Sequence[ActivityRecord]
) -> Settled | None:
    """One rule's outcome from its activities (by time, then id), as ``score_lead`` gets it.

    The rule's tally is rebuilt from them too, so its error bound starts afresh.
    """
    rule = plan.engagement[index]
    now = _EPOCH + state.as_of * _MICROSECOND
    counted, raw = rule_sum(plan, index, activities, now)
    tally = Tally(decay=DecaySum(state.as_of) if rule.inverse_half_life else None)
    for activity in activities:
        if activity.type == rule.type and (rule.where is None or rule.where(activity.properties)):
            at = micros(activity.occurred_at)
            _enter(tally, at, _standing(at, state.as_of, rule.expiry), rule.inverse_half_life)
    state.tallies[index] = tally
    return rule.settle(counted, raw) if counted else None


def dump(state: ScoreState) -> list[Any]:
    """The state as plain JSON values (floats survive a JSON round trip exactly)."""
    tallies = [
        [
            index,
            t.exact,
            t.past,
            t.oldest,
            t.dropped,
            *((t.decay.anchor, t.decay.total, t.decay.error) if t.decay else ()),
        ]
        for index, t in state.tallies.items()
    ]
    latest = [[index, at] for index, at in state.latest.items()]
    return [state.as_of, state.next_exact, state.last_past, tallies, latest]


def load(data: Sequence[Any]) -> ScoreState:
    """The state :func:`dump` gave."""
    as_of, next_exact, last_past, tallies, latest = data
    state = ScoreState(as_of, next_exact=next_exact, last_past=last_past)
    for index, exact, past, oldest, dropped, *decay in tallies:
        kept = DecaySum(*decay) if decay else None
        state.tallies[index] = Tally(exact, past, kept, oldest, dropped)
    state.latest = {index: at for index, at in latest}
    return state
