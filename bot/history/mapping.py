"""How a CRM export's columns become leads: the import mapping file and row parsing.

A mapping is YAML, validated with pydantic so a mistake is reported with its
place in the file (``columns.TotalVisits.type: …``) before a single row is
read. Each column goes to one target:

- a profile field (``country``, ``job_title``, ``email`` …), normalised as the
  webhook normalises it;
- ``attributes.<name>``, a custom attribute the rules can score;
- ``activity.<type>``, an engagement counter: the number becomes that many
  activities (``Yes`` counts as one);
- ``converted``, the historical outcome calibration learns from.

A row without an email gets a synthetic identity derived from its key,
``<key>@import.invalid`` (RFC 2606 reserves ``.invalid``, so nobody can ever
be mailed by mistake); keys that are not plain ``[A-Za-z0-9._-]`` use a hash
instead, ``key-<sha256 prefix>@import.invalid``. Keys compare case-insensitively,
as emails do.
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Mapping as MappingType
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from bot.config.rules import PROFILE_FIELDS as RULE_FIELDS
from bot.core.normalise import (
    clean_text,
    normalise_company_size,
    normalise_country,
    normalise_email,
    normalise_phone,
)

SYNTHETIC_DOMAIN = "import.invalid"
#: an engagement counter above this is a data error, not a very keen lead
MAX_COUNTER = 1000

#: the profile fields the rules can test, less the ones derived from others
PROFILE_FIELDS = RULE_FIELDS - {"email_domain"}
OUTCOME_FIELD = "converted"

_PLAIN_KEY = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
_NAME = r"[A-Za-z0-9_][A-Za-z0-9_.:-]{0,63}"
_TARGET = re.compile(rf"^(?:attributes\.{_NAME}|activity\.[a-z][a-z0-9_.:-]{{0,63}}|[a-z_]+)$")

ValueType = Literal["text", "number", "boolean"]


class MappingError(Exception):
    """A mapping file that cannot be used, one ``place: problem`` line each."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class RowError(ValueError):
    """A row that cannot be imported; the message names the column."""


class Column(BaseModel):
    """Where one CSV column goes and how its text is read."""

    model_config = ConfigDict(extra="forbid")

    to: Annotated[str, Field(pattern=_TARGET.pattern)]
    type: ValueType | None = Field(
        default=None, description="Default: boolean for converted, number for activities, text"
    )
    values: dict[str, Any] = Field(
        default_factory=dict, description="Raw value → replacement; null means missing"
    )

    @model_validator(mode="after")
    def _known_target(self) -> Column:
        if "." not in self.to and self.to not in PROFILE_FIELDS | {OUTCOME_FIELD}:
            known = ", ".join(sorted(PROFILE_FIELDS | {OUTCOME_FIELD}))
            raise ValueError(
                f"unknown target {self.to!r}: use one of {known}, attributes.<name> "
                "or activity.<type>"
            )
        return self

    @model_validator(mode="after")
    def _outcome_is_boolean(self) -> Column:
        if self.to == OUTCOME_FIELD and self.value_type != "boolean":
            raise ValueError("converted is a yes/no outcome: its type must be boolean")
        return self

    @property
    def value_type(self) -> ValueType:
        if self.type is not None:
            return self.type
        if self.to == OUTCOME_FIELD:
            return "boolean"
        return "number" if self.to.startswith("activity.") else "text"


class LeadMapping(BaseModel):
    """The whole mapping file."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(min_length=1, description="Column that identifies a lead across imports")
    columns: dict[str, Column] = Field(default_factory=dict)
    ignore: list[str] = Field(default_factory=list, description="Columns read but not stored")
    missing: list[str] = Field(
        default_factory=lambda: [""], description="Values that mean 'no value' in every column"
    )
    true_values: list[str] = Field(default_factory=lambda: ["yes", "true", "y", "1"])
    false_values: list[str] = Field(default_factory=lambda: ["no", "false", "n", "0"])
    decimal: Literal[".", ","] = "."
    encoding: str | None = Field(default=None, description="Default: detected (UTF-8, else cp1252)")
    delimiter: str = Field(default=",", min_length=1, max_length=1)
    activity_time: str | None = Field(
        default=None, description="Column dating the counted activities; default: import time"
    )
    created_at: str | None = Field(
        default=None,
        description="Column dating when each lead first appeared; default: import time",
    )

    @model_validator(mode="before")
    @classmethod
    def _shorthand_columns(cls, data: Any) -> Any:
        # ``Lead Origin: attributes.lead_origin`` is short for ``{to: attributes.lead_origin}``
        if isinstance(data, dict) and isinstance(data.get("columns"), dict):
            data = dict(data)
            data["columns"] = {
                name: {"to": spec} if isinstance(spec, str) else spec
                for name, spec in data["columns"].items()
            }
        return data

    @model_validator(mode="after")
    def _consistent(self) -> LeadMapping:
        targets = [c.to for c in self.columns.values()]
        repeated = sorted({t for t in targets if targets.count(t) > 1})
        if repeated:
            raise ValueError(f"several columns map to {', '.join(repeated)}")
        both = sorted(set(self.columns) & set(self.ignore))
        if both:
            raise ValueError(f"columns both mapped and ignored: {', '.join(both)}")
        return self

    def read_columns(self) -> list[str]:
        """Every column the import reads, which the file must therefore have."""
        times = [name for name in (self.activity_time, self.created_at) if name]
        return list(dict.fromkeys([self.key, *self.columns, *times]))

    def known_columns(self) -> set[str]:
        return {*self.read_columns(), *self.ignore}


def load_mapping(path: Path) -> LeadMapping:
    """Read and validate a mapping file; every problem is reported with its place."""
    try:
        document = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError([f"{path}: {exc}"]) from None
    try:
        return LeadMapping.model_validate(document)
    except ValidationError as exc:
        raise MappingError(
            [
                f"{path}: {'.'.join(str(p) for p in error['loc']) or 'mapping'}: "
                + str(error["msg"]).removeprefix("Value error, ")
                for error in exc.errors(include_url=False)
            ]
        ) from None


@dataclass(frozen=True)
class ParsedRow:
    """One row's lead, normalised; ``fields`` are lead columns the mapping owns."""

    email: str
    fields: dict[str, Any]
    attributes: dict[str, Any]
    counters: dict[str, int]
    activity_time: datetime | None = None
    #: when the lead first appeared (the mapping's ``created_at`` column)
    created_at: datetime | None = None
    warnings: list[str] = field(default_factory=list)


def synthetic_email(key: str) -> str:
    """The stable identity of a lead that has no email: derived from its key alone."""
    local = key if _PLAIN_KEY.match(key) else "key-" + hashlib.sha256(key.encode()).hexdigest()[:24]
    return f"{local.lower()}@{SYNTHETIC_DOMAIN}"


class RowParser:
    """Turns CSV rows (column → text) into ``ParsedRow`` under one mapping."""

    def __init__(self, mapping: LeadMapping) -> None:
        self.mapping = mapping
        self._missing = {v.strip().casefold() for v in mapping.missing}
        self._true = {v.casefold() for v in mapping.true_values}
        self._false = {v.casefold() for v in mapping.false_values}
        self._values = {
            c.to: {raw.casefold(): value for raw, value in c.values.items()}
            for c in mapping.columns.values()
        }

    def parse(self, row: MappingType[str, str | None]) -> ParsedRow:
        key = self._text(row.get(self.mapping.key))
        if key is None:
            raise RowError(f"{self.mapping.key}: the key is empty")
        email: str | None = None
        fields: dict[str, Any] = {}
        attributes: dict[str, Any] = {}
        counters: dict[str, int] = {}
        warnings: list[str] = []
        for name, column in self.mapping.columns.items():
            kind, _, target = column.to.partition(".")
            try:
                value = self._value(column, row.get(name))
                if kind == "attributes":
                    attributes[target] = value
                elif kind == "activity":
                    counters[target] = _count(value)
                elif column.to == "email":
                    email = None if value is None else normalise_email(str(value))
                else:
                    fields[column.to] = _profile_value(column.to, value, attributes, warnings, name)
            except ValueError as exc:
                raise RowError(f"{name}: {exc}") from None
        if "phone" in fields and fields["phone"] is not None:
            raw_phone = fields["phone"]
            fields["phone"] = normalise_phone(raw_phone, fields.get("country"))
            if fields["phone"] is None:
                attributes["phone_unrecognised"] = raw_phone
                warnings.append("phone: not a possible phone number; kept as attribute")
        return ParsedRow(
            email=email or synthetic_email(key),
            fields=fields,
            attributes=attributes,
            counters=counters,
            activity_time=self._time(row, self.mapping.activity_time),
            created_at=self._time(row, self.mapping.created_at),
            warnings=warnings,
        )

    def _text(self, raw: str | None) -> str | None:
        if raw is None:
            return None
        text = clean_text(raw)
        if text is None or text.casefold() in self._missing:
            return None
        return text

    def _value(self, column: Column, raw: str | None) -> Any:
        text = self._text(raw)
        values = self._values[column.to]
        if text is not None and text.casefold() in values:
            replaced = values[text.casefold()]
            if replaced is None or not isinstance(replaced, str):
                return replaced
            text = replaced
        if text is None:
            return None
        if column.value_type == "number":
            return parse_number(text, self.mapping.decimal)
        if column.value_type == "boolean":
            folded = text.casefold()
            if folded in self._true:
                return True
            if folded in self._false:
                return False
            raise ValueError(
                f"{text!r} is neither true ({', '.join(self.mapping.true_values)}) "
                f"nor false ({', '.join(self.mapping.false_values)})"
            )
        return text

    def _time(self, row: MappingType[str, str | None], column: str | None) -> datetime | None:
        if column is None:
            return None
        text = self._text(row.get(column))
        if text is None:
            return None
        try:
            stamp = datetime.fromisoformat(text)
        except ValueError:
            raise RowError(f"{column}: {text!r} is not an ISO date") from None
        return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def parse_number(text: str, decimal: str = ".") -> int | float:
    """A finite number; integral values come back as ``int`` so attributes stay tidy."""
    thousands = "," if decimal == "." else "."
    cleaned = text.replace(" ", "").replace("\u00a0", "").replace(thousands, "")
    cleaned = cleaned.replace(decimal, ".")
    try:
        number = float(cleaned)
    except ValueError:
        raise ValueError(f"{text!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not a finite number")
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _count(value: Any) -> int:
    if value is None or value is False:
        return 0
    if value is True:
        return 1
    if not isinstance(value, int) or value < 0:
        raise ValueError(f"a counter must be a whole number ≥ 0, not {value!r}")
    if value > MAX_COUNTER:
        raise ValueError(f"a counter above {MAX_COUNTER} ({value}) is not plausible")
    return value


def _profile_value(
    name: str, value: Any, attributes: dict[str, Any], warnings: list[str], column: str
) -> Any:
    """Normalise a profile field; a value that does not normalise is kept as an attribute."""
    if value is None or name == OUTCOME_FIELD:
        return value
    if name == "country":
        code = normalise_country(str(value))
        if code is None:
            attributes["country_unrecognised"] = value
            warnings.append(f"{column}: {value!r} is not a known country; kept as attribute")
        return code
    if name == "company_size":
        size = normalise_company_size(value if isinstance(value, int) else str(value))
        if size is None:
            attributes["company_size_unrecognised"] = value
            warnings.append(f"{column}: not a number or band; kept as attribute")
        return size
    return str(value)
