"""Turn rule conditions into fast predicates, once per rules object.

Scoring runs for every inbound event and for every stored lead on a re-score,
so each condition is compiled into a closure specialised for its operator
(regexes compiled, lists turned into case-folded sets) instead of being
interpreted on every call. The semantics are documented in ``bot.config.rules``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from bot.config.rules import Condition, FieldCondition, FitRule, PropertyCondition
from bot.core.wording import either

Predicate = Callable[[Any], bool]
Getter = Callable[[Mapping[str, Any]], Any]
RecordTest = Callable[[Mapping[str, Any]], bool]


def is_missing(value: Any) -> bool:
    return value is None or value == "" or (isinstance(value, list | dict) and not value)


def _fold(value: Any) -> Any:
    return value.casefold() if isinstance(value, str) else value


def _membership(values: list[Any], *, negate: bool) -> Predicate:
    allowed = frozenset(_fold(v) for v in values)

    def test(value: Any) -> bool:
        if isinstance(value, str):
            if not value:
                return False
            value = value.casefold()
        elif not isinstance(value, int | float):
            return False
        return (value in allowed) is not negate

    return test


def _range(low: float | None, high: float | None) -> Predicate:
    low = float("-inf") if low is None else low
    high = float("inf") if high is None else high

    def test(value: Any) -> bool:
        return (
            isinstance(value, int | float) and not isinstance(value, bool) and low <= value < high
        )

    return test


def _contains(needle: str) -> Predicate:
    needle = needle.casefold()

    def test(value: Any) -> bool:
        return value is not None and needle in str(value).casefold()

    return test


def _regex(pattern: str) -> Predicate:
    search = re.compile(pattern, re.IGNORECASE).search

    def test(value: Any) -> bool:
        if isinstance(value, str):
            return value != "" and search(value) is not None
        return value is not None and search(str(value)) is not None

    return test


def predicate(condition: Condition) -> Predicate:
    """The test a condition applies to a single value."""
    operator = condition.operator
    operand = condition.operator_value(operator)
    if operator == "present":
        return (lambda value: not is_missing(value)) if operand else is_missing
    if operator == "equals":
        return _membership([operand], negate=False)
    if operator in ("in", "not_in"):
        return _membership(operand, negate=operator == "not_in")
    if operator == "range":
        return _range(*operand)
    if operator == "contains":
        return _contains(operand)
    return _regex(operand)


def _email_domain(profile: Mapping[str, Any]) -> str | None:
    email = profile.get("email")
    return email.rpartition("@")[2] if isinstance(email, str) and "@" in email else None


def field_getter(name: str) -> Getter:
    """Read a profile field; ``email_domain`` is derived and ``attributes.x`` nested."""
    if name == "email_domain":
        return _email_domain
    if name.startswith("attributes."):
        key = name.removeprefix("attributes.")

        def attribute(profile: Mapping[str, Any]) -> Any:
            attributes = profile.get("attributes")
            return attributes.get(key) if attributes else None

        return attribute
    return lambda profile: profile.get(name)


def profile_test(conditions: Sequence[FieldCondition]) -> RecordTest:
    """A test that all ``conditions`` hold on a profile (a combined fit rule)."""
    tests = tuple((field_getter(c.field), predicate(c)) for c in conditions)
    if len(tests) == 2:  # calibrated combinations are pairs: no generator per lead
        (get_first, first), (get_second, second) = tests
        return lambda profile: first(get_first(profile)) and second(get_second(profile))
    return lambda profile: all(check(get(profile)) for get, check in tests)


def properties_test(conditions: list[PropertyCondition]) -> RecordTest | None:
    """A test that all conditions hold on an activity's properties; None when there are none."""
    if not conditions:
        return None
    tests = tuple((c.property, predicate(c)) for c in conditions)
    if len(tests) == 1:  # the common case, without a generator per activity
        ((key, check),) = tests
        return lambda properties: check(properties.get(key))
    return lambda properties: all(check(properties.get(key)) for key, check in tests)


def describe_condition(condition: Condition, subject: str) -> str:
    """A condition as a person reads it: ``job title mentions vp or head of``.

    Lists are cut after a few values, and a regular expression is read as the
    words it looks for; one too intricate for that is only said to be a pattern.
    """
    operator = condition.operator
    value = condition.operator_value(operator)
    name = _subject(subject)
    if operator == "range":
        low, high = value
        if high is None:
            return f"{name} ≥ {low:g}"
        return f"{name} < {high:g}" if low is None else f"{low:g} ≤ {name} < {high:g}"
    if operator == "present":
        return f"{name} given" if value else f"{name} missing"
    if operator in ("in", "not_in"):
        shown = list(dict.fromkeys(_shown(v) for v in value))  # true and "true" read alike
        listed = either(shown, limit=_SHOWN_VALUES)
        if operator == "not_in":
            return f"{name} is {'not' if len(shown) == 1 else 'none of'} {listed}"
        return f"{name} is {'one of ' if len(shown) > 2 else ''}{listed}"
    if operator == "regex":
        words = regex_words(value)
        if words is None:
            return f"{name} matches a pattern"
        return f"{name} mentions {either(words, limit=_SHOWN_VALUES)}"
    if operator == "contains":
        return f"{name} contains {_shown(value)}"
    return f"{name} is {_shown(value)}"


def describe_rule(rule: FieldCondition) -> str:
    """A rule's condition, or a combined fit rule's conditions joined by "and"."""
    conditions = rule.conditions if isinstance(rule, FitRule) else (rule,)
    return " and ".join(describe_condition(c, c.field) for c in conditions)


#: values listed before "… (N in all)"
_SHOWN_VALUES = 6
_FLAGS = re.compile(r"\(\?[aiLmsux]+\)")
_LOOKAROUND = re.compile(r"\(\?<?[=!][^()]*\)")
_ANCHORS = re.compile(r"\\b|\^|\$")
_OPTIONAL = re.compile(r"(?<!\\)\?")
#: a word or phrase: letters, digits, spaces and a few marks, some of them escaped
_PLAIN = re.compile(r"(?:[\w .\-/&']|\\[.+\-/&' ])+")
_ESCAPED = re.compile(r"\\(.)")


def regex_words(pattern: str) -> list[str] | None:
    """The words a pattern such as ``\\b(vp|head of)\\b`` looks for, or ``None``.

    Word boundaries, anchors, flags and look-arounds are left out of the
    reading; an optional character is shown (``co-?founder``: co-founder).
    Anything beyond alternatives of plain words (classes, repeats, nesting)
    has no short reading.
    """
    text = _FLAGS.sub("", pattern)
    text = _LOOKAROUND.sub("", text)
    text = _ANCHORS.sub("", text).replace("(?:", "(")
    text = text.replace("\\s+", " ").replace("\\s", " ")
    text = _OPTIONAL.sub("", text)
    words: list[str] = []
    for part in _top_level(text):
        if part.startswith("(") and part.endswith(")") and "(" not in part[1:-1]:
            inner = part[1:-1].split("|")
        elif "(" in part or ")" in part:
            return None
        else:
            inner = [part]
        for word in inner:
            if not _PLAIN.fullmatch(word.strip()):
                return None
            words.append(_ESCAPED.sub(r"\1", word.strip()))
    return list(dict.fromkeys(words)) or None


def _top_level(text: str) -> list[str]:
    """``text`` split at the ``|`` that are outside parentheses."""
    parts, depth, start = [], 0, 0
    for index, char in enumerate(text):
        if char == "(" and text[index - 1 : index] != "\\":
            depth += 1
        elif char == ")" and text[index - 1 : index] != "\\":
            depth -= 1
        elif char == "|" and depth == 0:
            parts.append(text[start:index])
            start = index + 1
    return [*parts, text[start:]]


def _subject(name: str) -> str:
    """A field as a person names it: ``job title``; a custom attribute keeps its own name."""
    if name.startswith("attributes."):
        return f"attribute {name.removeprefix('attributes.')}"
    return name.replace("_", " ")


def _shown(value: Any) -> str:
    """A value as it is written in the rules file."""
    return str(value).lower() if isinstance(value, bool) else str(value)
