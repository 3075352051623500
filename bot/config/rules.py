"""The rules file: what marketing and sales agreed a good lead looks like.

The YAML file ``LEADBOT_CONFIG`` points at (or the commented default packaged
in ``bot/config/defaults/rules.yaml``) is validated into :class:`LeadbotConfig`. Every
model forbids unknown keys so a misspelt key is reported instead of silently
ignored, and every problem is reported on one line naming its place in the
file (``scoring.fit[2].points (line 31): must be an integer``).

Matching semantics, shared by fit, disqualify and activity-property conditions:

* string comparisons (``equals``, ``in``, ``not_in``, ``contains``, ``regex``)
  ignore case;
* ``min`` is inclusive and ``max`` exclusive, so bands such as 50–200 and
  200–1000 never overlap; only numbers match a range;
* a missing value (absent, ``null`` or empty) matches only ``present: false``,
  so an unknown country never counts as "outside the service area".

A fit rule tests one field, or gives ``all:`` — a list of field conditions
that must all hold — to score a combination ("arrived through the API *and*
last received an SMS") that neither field reveals alone.

Further sections (Slack channels, digests, webhook subscribers, lead sources,
qualification questions, routing, the probability of the outcome per total)
join :class:`LeadbotConfig` as optional sub-models.
"""

from __future__ import annotations

import re
from importlib.resources import files
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    PositiveFloat,
    PositiveInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from bot.commands.parse import CommandsConfig
from bot.config.digests import DigestsConfig
from bot.config.probability import ProbabilityConfig
from bot.config.qualification import QualificationConfig
from bot.config.routing import RoutingConfig
from bot.config.slack import SlackConfig
from bot.config.sources import LEAD_FIELDS, SourcesConfig
from bot.config.webhooks import WebhooksConfig
from bot.config.yaml_places import RulesError, read_yaml, validation_problems

#: profile fields a condition may name: those a source may fill (a full ``name`` is
#: split into first and last) and the email's domain; ``attributes.<name>`` reaches
#: custom attributes
PROFILE_FIELDS = (LEAD_FIELDS - {"name"}) | {"email_domain"}

#: operators of a condition; exactly one is given per condition
OPERATORS = ("equals", "in", "not_in", "contains", "regex", "range", "present")


def _scalar(value: Any) -> Any:
    if isinstance(value, str | bool | int | float):
        return value
    raise ValueError("must be text, a number or true/false")


#: a YAML scalar to compare with; one clear error instead of one per union member
Scalar = Annotated[Any, AfterValidator(_scalar)]


class _Model(BaseModel):
    # strict: YAML already yields typed values, so "10" for a number is a mistake
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, populate_by_name=True)


class Condition(_Model):
    """One test on a value; subclasses say where the value comes from."""

    equals: Scalar | None = None
    in_: list[Scalar] | None = Field(default=None, alias="in", min_length=1)
    not_in: list[Scalar] | None = Field(default=None, min_length=1)
    contains: str | None = Field(default=None, min_length=1)
    regex: str | None = None
    min: float | None = None
    max: float | None = None
    present: bool | None = None

    @field_validator("regex")
    @classmethod
    def _compiles(cls, pattern: str | None) -> str | None:
        if pattern is not None:
            try:
                re.compile(pattern)
            except re.error as exc:
                raise ValueError(f"not a valid regular expression: {exc}") from None
        return pattern

    @model_validator(mode="after")
    def _one_operator(self) -> Condition:
        self._check_operator()
        return self

    def _check_operator(self) -> None:
        """Raise unless exactly one operator is given (a hook: combined fit rules differ)."""
        given = [op for op in OPERATORS if self.operator_value(op) is not None]
        if len(given) != 1:
            choices = ", ".join(op if op != "range" else "min/max" for op in OPERATORS)
            raise ValueError(f"give exactly one of {choices} (found {len(given)})")
        if self.min is not None and self.max is not None and self.min >= self.max:
            raise ValueError("min must be below max (min is inclusive, max exclusive)")

    def operator_value(self, operator: str) -> Any:
        """The operand of ``operator`` (a ``(min, max)`` pair for ``range``), or None."""
        if operator == "range":
            return None if self.min is None and self.max is None else (self.min, self.max)
        if operator == "in":
            return self.in_
        return getattr(self, operator)

    @property
    def operator(self) -> str:
        return next(op for op in OPERATORS if self.operator_value(op) is not None)


class FieldCondition(Condition):
    """A condition on a profile field."""

    field: str

    @field_validator("field")
    @classmethod
    def _known_field(cls, name: str | None) -> str | None:
        if name is None:  # only a combined fit rule may leave it out; it says so itself
            return name
        attribute = name.removeprefix("attributes.")
        if name in PROFILE_FIELDS or (attribute and attribute != name):
            return name
        known = ", ".join(sorted(PROFILE_FIELDS))
        raise ValueError(f"unknown field {name!r}; use one of {known} or attributes.<name>")

    @model_validator(mode="after")
    def _countries_are_codes(self) -> FieldCondition:
        # YAML reads a bare NO (Norway) as the boolean false: refuse it, with the fix
        if self.field == "country":
            for value in [self.equals, *(self.in_ or ()), *(self.not_in or ())]:
                if value is not None and not isinstance(value, str):
                    raise ValueError(
                        f'country codes must be text; {value!r} is not (write "NO" for Norway)'
                    )
        return self


class PropertyCondition(Condition):
    """A condition on a property of an activity (e.g. the ``path`` of a page view)."""

    property: str = Field(min_length=1)


class FitRule(FieldCondition):
    """Points for who the lead is: one field condition, or ``all`` of several."""

    label: str = Field(min_length=1)
    field: str | None = None  # type: ignore[assignment]  # absent when ``all`` is given
    all_: list[FieldCondition] | None = Field(default=None, alias="all", min_length=2)
    points: int

    def _check_operator(self) -> None:
        if self.all_ is None:
            if self.field is None:
                raise ValueError("give field: with one condition, or all: with a list of them")
            super()._check_operator()
        elif self.field is not None or any(self.operator_value(op) is not None for op in OPERATORS):
            raise ValueError("with all:, give field and operator inside each listed condition")

    @property
    def conditions(self) -> tuple[FieldCondition, ...]:
        """The field conditions that must all hold for the rule to give its points."""
        return (self,) if self.all_ is None else tuple(self.all_)


class EngagementRule(_Model):
    """Points for what the lead did, per matching activity, capped and fading with age."""

    label: str = Field(min_length=1)
    type: str = Field(min_length=1)
    where: list[PropertyCondition] = Field(default_factory=list)
    #: positive so that more activity never lowers a score and ageing never raises one
    points: PositiveInt
    cap: PositiveInt | None = None
    half_life_days: PositiveFloat | None = None
    expires_after_days: PositiveFloat | None = None


class DisqualifyRule(FieldCondition):
    """A lead matching this is not for sales, whatever its score."""

    label: str = Field(min_length=1)
    reason: str = Field(min_length=1, max_length=300)


class HotRule(_Model):
    """Recent activity of these types marks an MQL urgent."""

    label: str = Field(min_length=1)
    types: list[str] = Field(min_length=1)
    within_days: PositiveFloat
    where: list[PropertyCondition] = Field(default_factory=list)


class Threshold(_Model):
    """When a lead becomes an MQL: a total, optionally a floor on each axis."""

    mql: int
    min_fit: int | None = None
    min_engagement: int | None = None
    recycle_cooldown_days: float = Field(default=30, ge=0)
    #: a lead that changes stage because the rules changed (or its score decayed) is
    #: announced in Slack and to webhooks only if it did something within this many
    #: days; older leads, and imported history, only move for the reports
    announce_within_days: PositiveFloat = 90

    def is_met(self, *, fit: int, engagement: int, total: int) -> bool:
        return (
            total >= self.mql
            and (self.min_fit is None or fit >= self.min_fit)
            and (self.min_engagement is None or engagement >= self.min_engagement)
        )


class ScoringRules(_Model):
    threshold: Threshold
    fit: list[FitRule] = Field(default_factory=list)
    engagement: list[EngagementRule] = Field(default_factory=list)
    disqualify: list[DisqualifyRule] = Field(default_factory=list)
    hot: list[HotRule] = Field(default_factory=list)


class LeadbotConfig(_Model):
    scoring: ScoringRules
    slack: SlackConfig = SlackConfig()
    digests: DigestsConfig = DigestsConfig()
    commands: CommandsConfig = CommandsConfig()
    webhooks: WebhooksConfig = WebhooksConfig()
    #: points → probability, written by ``leadbot calibrate``; None for hand-written rules
    probability: ProbabilityConfig | None = None
    sources: SourcesConfig = SourcesConfig()
    qualification: QualificationConfig = QualificationConfig()
    routing: RoutingConfig = RoutingConfig()

    @field_validator("routing")
    @classmethod
    def _routes_exist(cls, routing: RoutingConfig, info: ValidationInfo) -> RoutingConfig:
        slack = info.data.get("slack")
        names = {route.name for route in slack.routes} if slack is not None else set()
        for route in routing.routes:
            if route not in names:
                known = ", ".join(sorted(names)) or "none"
                raise ValueError(
                    f"routes: {route!r} is not the name of a slack.routes route (known: {known})"
                )
        return routing


def default_rules_text() -> str:
    """The packaged, commented default rules file."""
    return files("bot.config").joinpath("defaults/rules.yaml").read_text(encoding="utf-8")


def load_config(path: Path | None) -> LeadbotConfig:
    """Read and validate the rules file at ``path``, or the packaged default when None."""
    if path is None:
        return parse_config(default_rules_text(), source="default rules")
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RulesError([f"{path}: cannot read: {exc.strerror or exc}"]) from None
    return parse_config(text, source=str(path))


def parse_config(text: str, *, source: str = "rules") -> LeadbotConfig:
    """Validate YAML ``text``; ``source`` names it in syntax errors."""
    data, root = read_yaml(text, source=source)
    try:
        return LeadbotConfig.model_validate(data)
    except ValidationError as exc:
        raise RulesError(validation_problems(exc, root)) from None
