"""Validation errors in the sender's words: what to fix, and where.

pydantic reports in its own terms ("Unable to extract tag using
discriminator 'type'", "Input should be a valid dictionary", union member
names such as ``constrained-str`` in the location). A sender needs the path
of the field as it appears in their JSON and a sentence saying what that
field should hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError

from bot.leads.json_limits import join_path

EVENT_TYPES = ("lead.profile", "lead.activity", "lead.outcome")
_TYPES_TEXT = ", ".join(EVENT_TYPES)

#: pydantic's location parts that name a union member, not a field of the sender's JSON
_UNION_MEMBERS = {*EVENT_TYPES, "int", "str", "float", "constrained-str", "none", "[key]"}

#: what a field holds, for errors whose own wording says nothing useful to a sender
_FIELD_HINTS = {
    "company_size": "must be a number of employees or a band such as 51-200",
    "occurred_at": "must be an ISO 8601 time with a time zone, such as 2024-05-01T09:30:00Z",
    "closed_at": "must be an ISO 8601 time with a time zone, such as 2024-05-01T09:30:00Z",
}

_MESSAGES: Mapping[str, str] = {
    "missing": "is required",
    "extra_forbidden": "unknown field (check the spelling; only lead may carry custom fields)",
    "model_type": "must be a JSON object",
    "model_attributes_type": "must be a JSON object",
    "dict_type": "must be a JSON object",
    "list_type": "must be a list",
    "string_type": "must be text",
    "int_type": "must be a whole number",
    "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number",
    "float_type": "must be a number",
    "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false",
    "datetime_type": _FIELD_HINTS["occurred_at"],
    "datetime_parsing": _FIELD_HINTS["occurred_at"],
    "datetime_from_date_parsing": _FIELD_HINTS["occurred_at"],
    "timezone_aware": "needs a time zone (for example Z or +02:00 at the end)",
    "union_tag_invalid": f"must be one of {_TYPES_TEXT}",
    "union_tag_not_found": f"is required: say which event this is ({_TYPES_TEXT})",
}


def describe(exc: ValidationError) -> list[tuple[str, str]]:
    """One ``(path, message)`` per problem, in the order of the body, without repeats."""
    pairs: dict[str, str] = {}
    for error in exc.errors(include_url=False):
        path, field = _path(error)
        pairs.setdefault(path or "body", _message(error, field))
    return list(pairs.items())


def _path(error: Mapping[str, Any]) -> tuple[str, str]:
    """The sender's path to the field, and the field's own name."""
    path, field = "", ""
    for part in error["loc"]:
        if isinstance(part, str) and part in _UNION_MEMBERS:
            continue
        path, field = join_path(path, part), str(part)
    if error["type"] in {"union_tag_invalid", "union_tag_not_found"}:
        path, field = join_path(path, "type"), "type"
    return path, field


def _message(error: Mapping[str, Any], field: str) -> str:
    kind = error["type"]
    context = error.get("ctx") or {}
    if kind in {"int_type", "string_type", "int_parsing"} and field in _FIELD_HINTS:
        return _FIELD_HINTS[field]
    if kind == "string_too_long":
        return f"must be at most {context.get('max_length')} characters"
    if kind == "string_too_short":
        return f"must be at least {context.get('min_length')} characters"
    if kind == "too_short":
        return f"must hold at least {context.get('min_length')} item"
    if kind == "too_long":
        return f"holds more than {context.get('max_length')} items; split it into several requests"
    if kind in {"greater_than_equal", "greater_than"}:
        return f"must be at least {context.get('ge', context.get('gt'))}"
    if kind in {"less_than_equal", "less_than"}:
        return f"must be at most {context.get('le', context.get('lt'))}"
    if kind == "literal_error":
        return f"must be {context.get('expected')}"
    if kind == "string_pattern_mismatch":
        return _pattern_message(field)
    if kind == "value_error":
        return str(error["msg"]).removeprefix("Value error, ")
    if kind in _MESSAGES:
        return _MESSAGES[kind]
    return str(error["msg"]).replace("Input should", "must")


def _pattern_message(field: str) -> str:
    if field == "type":
        return (
            "must start with a lower-case letter, then up to 63 lower-case letters, "
            "digits or _ . : - (for example page_view)"
        )
    return "names may hold only letters, digits and _ . : - (1 to 64 characters)"
