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
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal, NamedTuple

from bot.config.rules import EngagementRule, FitRule, ScoringRules
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
class Engagement:
    """An engagement rule as scoring applies it (times in seconds)."""

    label: str
    type: str
    points: int
    cap: float
    capped_note: str
    #: 1 / half-life, 0.0 when the rule does not fade
    inverse_half_life: float
    #: ``math.inf`` when the rule never expires
    expiry: float
    where: RecordTest | None

    def settle(self, count: int, raw: float) -> Settled:
        """The rule's points and the facts its detail states, from ``count`` and the raw sum.

        Every field is monotonic in ``raw``, so two raw values that settle
        alike settle every raw value between them alike too.
        """
        return Settled(int(min(raw, self.cap) + 0.5), raw < count * self.points, raw > self.cap)


class Settled(NamedTuple):
    """An engagement rule's outcome: its rounded points, and whether age and the cap showed."""

    points: int
    faded: bool
    capped: bool


@dataclass(frozen=True, slots=True)
class Hot:
    """A hot rule as scoring applies it (the window in seconds)."""

    types: tuple[str, ...]
    window: float
    where: RecordTest | None


#: per activity type: (rule index, points, 1/half-life, expiry, filter) for each
#: engagement rule, and (rule index, window, filter) for each hot rule — tuples,
#: because this table is read for every activity of every lead
_EngagementStep = tuple[int, int, float, float, RecordTest | None]
_HotStep = tuple[int, float, RecordTest | None]


@dataclass(frozen=True, slots=True)
class Plan:
    """Rules compiled for scoring: closures built once, tables indexed by activity type."""

    getters: tuple[Getter, ...]
    fit: tuple[tuple[int, Predicate, Contribution], ...]
    disqualify: tuple[tuple[int, Predicate, Contribution], ...]
    engagement: tuple[Engagement, ...]
    hot_rules: tuple[Hot, ...]
    hot: tuple[Contribution, ...]
    by_type: Mapping[str, tuple[tuple[_EngagementStep, ...], tuple[_HotStep, ...]]]
    #: see ``_profile_part``
    profiles: dict[tuple[Any, ...], _ProfilePart] = field(default_factory=dict)


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


def _compile(rules: ScoringRules) -> Plan:
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
    engagement = tuple(_engagement_rule(rule) for rule in rules.engagement)
    hot_rules = tuple(
        Hot(tuple(r.types), r.within_days * _DAY, properties_test(r.where)) for r in rules.hot
    )
    by_type: dict[str, tuple[list[_EngagementStep], list[_HotStep]]] = {}
    for i, e in enumerate(engagement):
        steps = by_type.setdefault(e.type, ([], []))[0]
        steps.append((i, e.points, e.inverse_half_life, e.expiry, e.where))
    for i, hot in enumerate(hot_rules):
        for kind in hot.types:
            by_type.setdefault(kind, ([], []))[1].append((i, hot.window, hot.where))
    return Plan(
        getters=tuple(getters),
        fit=tuple(fit),
        disqualify=disqualify,
        engagement=engagement,
        hot_rules=hot_rules,
        hot=tuple(
            Contribution("hot", r.label, 0, f"{' or '.join(r.types)} within {r.within_days:g} days")
            for r in rules.hot
        ),
        by_type={kind: (tuple(e), tuple(h)) for kind, (e, h) in by_type.items()},
    )


def _engagement_rule(rule: EngagementRule) -> Engagement:
    return Engagement(
        label=rule.label,
        type=rule.type,
        points=rule.points,
        cap=math.inf if rule.cap is None else rule.cap,
        capped_note=f", capped at {rule.cap}",
        inverse_half_life=1 / (rule.half_life_days * _DAY) if rule.half_life_days else 0.0,
        expiry=rule.expires_after_days * _DAY if rule.expires_after_days else math.inf,
        where=properties_test(rule.where),
    )


#: compiled rules by ``id`` of their (immutable) rules object; an entry leaves
#: with its rules object, so an id is never mistaken for a newer object's
_COMPILED: dict[int, Plan] = {}


def compiled(rules: ScoringRules) -> Plan:
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
    plan = compiled(rules)
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

    settled = [
        rule.settle(counts[index], sums[index]) if counts[index] else None
        for index, rule in enumerate(plan.engagement)
    ]
    return assemble(plan, profile, counts, settled, hot_seen)


def assemble(
    plan: Plan,
    profile: Mapping[str, Any],
    counts: Sequence[int],
    settled: Sequence[Settled | None],
    hot_seen: Iterable[int],
) -> Score:
    """The score from the profile and each engagement rule's settled outcome.

    ``counts`` and ``settled`` are indexed like ``plan.engagement`` (None for a
    rule no activity matched); ``hot_seen`` holds the indexes of hot rules met.
    """
    fitted, fit, disqualified = _profile_part(plan, profile)
    contributions = list(fitted)
    engagement = 0
    for rule, count, outcome in zip(plan.engagement, counts, settled, strict=True):
        if outcome is not None and outcome.points:
            engagement += outcome.points
            faded = ", faded with age" if outcome.faded else ""
            detail = f"{count}× {rule.type}{faded}{rule.capped_note if outcome.capped else ''}"
            contributions.append(Contribution("engagement", rule.label, outcome.points, detail))

    reason = None
    if disqualified is not None:
        reason = disqualified.detail
        contributions.append(disqualified)
    hot = sorted(set(hot_seen))
    contributions.extend(plan.hot[index] for index in hot)
    return Score(fit, engagement, fit + engagement, contributions, reason, bool(hot))


_ProfilePart = tuple[tuple[Contribution, ...], int, Contribution | None]
#: profile parts kept per plan, at most this many (a lead sends one profile many times)
_PROFILE_MEMO = 4096


def _profile_part(plan: Plan, profile: Mapping[str, Any]) -> _ProfilePart:
    """Fit contributions, their sum and the first disqualification: the profile's part.

    Remembered by the values the rules read (with their types: ``True == 1``
    yet a range never matches a boolean), since a lead's profile seldom
    changes between its events and the regexes are the dearest part.
    """
    values = [get(profile) for get in plan.getters]
    key = tuple((type(v), v) for v in values)
    try:
        found, remember = plan.profiles.get(key), True
    except TypeError:  # a list or a dict among the values
        found, remember = None, False
    if found is None:
        fitted = tuple(c for slot, test, c in plan.fit if test(values[slot]))
        disqualified = next((c for slot, test, c in plan.disqualify if test(values[slot])), None)
        found = (fitted, sum(c.points for c in fitted), disqualified)
        if remember:
            if len(plan.profiles) >= _PROFILE_MEMO:
                plan.profiles.clear()
            plan.profiles[key] = found
    return found


def rule_sum(
    plan: Plan, index: int, activities: Iterable[ActivityRecord], now: datetime
) -> tuple[int, float]:
    """(count, raw sum) of one engagement rule, with exactly the arithmetic of ``score_lead``.

    ``activities`` must come in the order ``score_lead`` is given them (by
    time, then id): a float sum depends on its order.
    """
    rule = plan.engagement[index]
    total, count = 0.0, 0
    for activity in activities:
        if activity.type != rule.type:
            continue
        age = (now - activity.occurred_at).total_seconds()
        if age < 0:
            age = 0.0
        if age <= rule.expiry and (rule.where is None or rule.where(activity.properties)):
            total += rule.points * 0.5 ** (age * rule.inverse_half_life)
            count += 1
    return count, total


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
