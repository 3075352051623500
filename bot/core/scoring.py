"""Score a lead: a pure, deterministic function of (profile, activities, rules, now).

The score is explainable by construction: every point comes from a
:class:`Contribution` naming the rule that gave it, and the same contributions
are stored on the lead and shown on Slack cards and by ``leadbot rules explain``.

Engagement fades with age: each matching activity is worth its rule's points
times ``0.5 ** (age / half_life)`` (or nothing after ``expires_after_days``);
a rule's decayed values are summed, capped, then rounded half up once. Because
every value is non-negative and non-increasing in ``now``, adding an activity
never lowers engagement and the passage of time never raises it. Activities
dated after ``now`` count as brand new.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from bot.config.rules import FitRule, ScoringRules
from bot.core.conditions import (
    Getter,
    Predicate,
    RecordTest,
    describe_rule,
    field_getter,
    predicate,
    profile_test,
    properties_test,
)
from storage.rows import LeadRow

_DAY = 86_400.0

ContributionKind = Literal["fit", "engagement", "disqualify", "hot"]


@dataclass(frozen=True, slots=True)
class ActivityRecord:
    """What scoring needs of an activity."""

    type: str
    occurred_at: datetime
    properties: Mapping[str, Any] = field(default_factory=dict)

    @classmethod
    def from_row(cls, row: Mapping[Any, Any]) -> ActivityRecord:
        """From a stored activity (``type``, ``occurred_at``, ``properties``)."""
        return cls(row["type"], row["occurred_at"], row["properties"] or {})


class Contribution(NamedTuple):
    """One rule's part in a score (``points`` is 0 for disqualify and hot entries)."""

    kind: ContributionKind
    label: str
    points: int
    detail: str


@dataclass(frozen=True, slots=True)
class Score:
    """A lead's numbers and the contributions behind them (kind by kind, in file order)."""

    fit: int
    engagement: int
    total: int
    contributions: list[Contribution]
    disqualify_reason: str | None
    hot: bool

    def to_reasons(self) -> list[dict[str, Any]]:
        """The JSON form stored in ``Lead.score_reasons``."""
        return [{"kind": c.kind, "label": c.label, "points": c.points} for c in self.contributions]


@dataclass(frozen=True, slots=True)
class _Engagement:
    label: str
    type: str
    points: int
    cap: float
    capped_note: str


#: per activity type: (rule index, points, 1/half-life, expiry, filter) for each
#: engagement rule, and (rule index, window, filter) for each hot rule — tuples,
#: because this table is read for every activity of every lead
_EngagementStep = tuple[int, int, float, float, RecordTest | None]
_HotStep = tuple[int, float, RecordTest | None]


@dataclass(frozen=True, slots=True)
class _Compiled:
    getters: tuple[Getter, ...]
    fit: tuple[tuple[int, Predicate, Contribution], ...]
    disqualify: tuple[tuple[int, Predicate, Contribution], ...]
    engagement: tuple[_Engagement, ...]
    hot: tuple[Contribution, ...]
    by_type: Mapping[str, tuple[tuple[_EngagementStep, ...], tuple[_HotStep, ...]]]


def _fit_value(rule: FitRule) -> tuple[str, Getter, Predicate]:
    """(slot name, getter, test) of a fit rule.

    A single-condition rule reads its field into a slot shared with every rule
    on that field. A combined rule gets a slot of its own whose value is
    whether all its conditions hold, so the scoring loop treats both alike.
    """
    if rule.all_ is None:
        assert rule.field is not None  # the model requires it without ``all``
        return rule.field, field_getter(rule.field), predicate(rule)
    return f"all:{id(rule)}", profile_test(rule.conditions), bool


def _compile(rules: ScoringRules) -> _Compiled:
    # each profile field is read once per lead, however many rules test it
    slots: dict[str, int] = {}
    getters: list[Getter] = []

    def slot(name: str, get: Getter) -> int:
        if name not in slots:
            slots[name] = len(getters)
            getters.append(get)
        return slots[name]

    fit = []
    for rule in rules.fit:
        name, get, test = _fit_value(rule)
        contribution = Contribution("fit", rule.label, rule.points, describe_rule(rule))
        fit.append((slot(name, get), test, contribution))
    disqualify = tuple(
        (
            slot(r.field, field_getter(r.field)),
            predicate(r),
            Contribution("disqualify", r.label, 0, r.reason),
        )
        for r in rules.disqualify
    )
    by_type: dict[str, tuple[list[_EngagementStep], list[_HotStep]]] = {}
    for i, engaged in enumerate(rules.engagement):
        inverse_half_life = 1 / (engaged.half_life_days * _DAY) if engaged.half_life_days else 0.0
        expiry = engaged.expires_after_days * _DAY if engaged.expires_after_days else math.inf
        by_type.setdefault(engaged.type, ([], []))[0].append(
            (i, engaged.points, inverse_half_life, expiry, properties_test(engaged.where))
        )
    for i, hot in enumerate(rules.hot):
        for kind in hot.types:
            by_type.setdefault(kind, ([], []))[1].append(
                (i, hot.within_days * _DAY, properties_test(hot.where))
            )
    return _Compiled(
        getters=tuple(getters),
        fit=tuple(fit),
        disqualify=disqualify,
        engagement=tuple(
            _Engagement(
                r.label,
                r.type,
                r.points,
                math.inf if r.cap is None else r.cap,
                f", capped at {r.cap}",
            )
            for r in rules.engagement
        ),
        hot=tuple(
            Contribution("hot", r.label, 0, f"{' or '.join(r.types)} within {r.within_days:g} days")
            for r in rules.hot
        ),
        by_type={kind: (tuple(e), tuple(h)) for kind, (e, h) in by_type.items()},
    )


#: compiled rules by ``id`` of their (immutable) rules object; an entry leaves
#: with its rules object, so an id is never mistaken for a newer object's
_COMPILED: dict[int, _Compiled] = {}


def _compiled(rules: ScoringRules) -> _Compiled:
    """The compiled form of ``rules``, built on first use."""
    found = _COMPILED.get(id(rules))
    if found is None:
        found = _COMPILED[id(rules)] = _compile(rules)
        weakref.finalize(rules, _COMPILED.pop, id(rules), None)
    return found


def score_lead(
    profile: Mapping[str, Any],
    activities: Sequence[ActivityRecord],
    rules: ScoringRules,
    now: datetime,
) -> Score:
    """Score ``profile`` (field name → value, custom ``attributes`` as a dict) at ``now``."""
    plan = _compiled(rules)
    values = [get(profile) for get in plan.getters]
    contributions = [c for slot, test, c in plan.fit if test(values[slot])]
    fit = sum(c.points for c in contributions)

    count = len(plan.engagement)
    sums, counts = [0.0] * count, [0] * count
    hot_seen: set[int] = set()
    by_type = plan.by_type
    for activity in activities:
        steps = by_type.get(activity.type)
        if steps is None:
            continue
        engagement_steps, hot_steps = steps
        age = (now - activity.occurred_at).total_seconds()
        if age < 0:
            age = 0.0
        properties = activity.properties
        for index, points, inverse_half_life, expiry, where in engagement_steps:
            if age <= expiry and (where is None or where(properties)):
                # a plain sum of non-negative terms, each non-increasing in age:
                # adding a term never lowers it, ageing never raises it
                sums[index] += points * 0.5 ** (age * inverse_half_life)
                counts[index] += 1
        for index, window, where in hot_steps:
            if age <= window and (where is None or where(properties)):
                hot_seen.add(index)

    engagement = 0
    for index, rule in enumerate(plan.engagement):
        if counts[index]:
            raw = sums[index]
            points = int(min(raw, rule.cap) + 0.5)
            if points:
                engagement += points
                detail = _detail(rule, counts[index], raw)
                contributions.append(Contribution("engagement", rule.label, points, detail))

    reason = None
    for slot, test, contribution in plan.disqualify:
        if test(values[slot]):
            reason = contribution.detail
            contributions.append(contribution)
            break
    contributions.extend(plan.hot[index] for index in sorted(hot_seen))
    return Score(fit, engagement, fit + engagement, contributions, reason, bool(hot_seen))


def _detail(rule: _Engagement, count: int, raw: float) -> str:
    faded = ", faded with age" if raw < count * rule.points else ""
    return f"{count}× {rule.type}{faded}{rule.capped_note if raw > rule.cap else ''}"


def explain(
    lead: LeadRow, activities: Sequence[Mapping[Any, Any]], rules: ScoringRules, now: datetime
) -> Score:
    """A stored lead's score recomputed rule by rule, at the time it was last scored.

    Scoring at ``scored_at`` (not ``now``) reproduces the stored numbers, so
    an explanation never disagrees with the card it explains; a lead never
    scored is explained as of ``now``.
    """
    records = [ActivityRecord.from_row(row) for row in activities]
    return score_lead(lead.as_dict(), records, rules, lead.scored_at or now)
