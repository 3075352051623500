"""The ``sources:`` section of the rules file: how each vendor's payload becomes a lead.

Every lead source (Typeform, Tally, Webflow, Calendly, Segment, Unbounce)
works without this section: answers are mapped by sensible defaults
(``bot.sources.forms``). The section overrides them where a form says things
the defaults cannot guess::

    sources:
      typeform:
        fields:                       # question ref, key or label → lead field
          role: job_title
          budget: attributes.budget
          favourite_colour: ignore    # never stored as an attribute
        activities:                   # rename the activity a delivery records
          form_submit: demo_request
        forms:                        # per form id or name
          lT4Z3j: {activity: demo_request, source: website, campaign: spring-demo}
      segment:
        activities:
          "Webinar Attended": webinar

Lookups ignore case, so a label typed as "Job Title" matches ``job title``.
Validated with the rest of the file: a mistake is reported with its line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cached_property
from typing import Annotated, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

#: lead fields an answer may fill; ``name`` is split into first and last name
LEAD_FIELDS = frozenset(
    {
        "email",
        "name",
        "first_name",
        "last_name",
        "company",
        "job_title",
        "country",
        "company_size",
        "industry",
        "phone",
        "website",
        "source",
        "campaign",
    }
)
#: the target that drops an answer (it stays only in the raw payload kept for audit)
IGNORE = "ignore"

_KEY = re.compile(r"[A-Za-z0-9_.:-]{1,64}")
_ACTIVITY = re.compile(r"[a-z][a-z0-9_.:-]{0,63}")

T = TypeVar("T")


def _target(value: str) -> str:
    if value in LEAD_FIELDS or value == IGNORE:
        return value
    prefix, _, key = value.partition(".")
    if prefix in ("attributes", "utm") and _KEY.fullmatch(key):
        return value
    known = ", ".join(sorted(LEAD_FIELDS))
    raise ValueError(
        f"unknown target {value!r}; use one of {known}, attributes.<name>, utm.<name> or ignore"
    )


def _activity(value: str) -> str:
    if not _ACTIVITY.fullmatch(value):
        raise ValueError(
            f"{value!r} is not an activity type: lower-case letters, digits and _ . : -, "
            "starting with a letter (e.g. demo_request)"
        )
    return value


Target = Annotated[str, AfterValidator(_target)]
ActivityType = Annotated[str, AfterValidator(_activity)]


def _no_case_twins(values: dict[str, T]) -> dict[str, T]:
    folded = [key.casefold() for key in values]
    twins = sorted({key for key in values if folded.count(key.casefold()) > 1})
    if twins:
        raise ValueError(f"keys differ only in case: {', '.join(twins)} (lookups ignore case)")
    return values


def fold(table: Mapping[str, T]) -> dict[str, T]:
    """``table`` keyed by case-folded keys, for ``lookup``."""
    return {key.casefold(): value for key, value in table.items()}


def lookup(folded: Mapping[str, T], *names: str | None) -> T | None:
    """The entry of a ``fold``-ed table for the first of ``names`` it holds, ignoring case."""
    if not folded:
        return None
    for name in names:
        if name and (found := folded.get(name.casefold())) is not None:
            return found
    return None


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class FormSettings(_Model):
    """Defaults for the deliveries of one form (a Calendly event type, an Unbounce page)."""

    activity: ActivityType | None = None
    source: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    campaign: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None


class SourceMapping(_Model):
    """One vendor's overrides; every key is optional."""

    #: vendor field (question ref, key, label or trait name) → lead field
    fields: Annotated[dict[str, Target], AfterValidator(_no_case_twins)] = Field(
        default_factory=dict
    )
    #: vendor event name, or the activity type leadbot would record → the type to record
    activities: Annotated[dict[str, ActivityType], AfterValidator(_no_case_twins)] = Field(
        default_factory=dict
    )
    #: the lead's source and campaign when nothing more specific names them
    source: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    campaign: Annotated[str, StringConstraints(min_length=1, max_length=300)] | None = None

    def field_target(self, *names: str | None) -> str | None:
        return lookup(self._fields, *names)

    def activity(self, default: str, *names: str | None) -> str:
        """The activity type to record: renamed by ``activities`` when it names one of these."""
        return lookup(self._activities, *names, default) or default

    # folded once: every answer of every delivery is looked up
    @cached_property
    def _fields(self) -> dict[str, str]:
        return fold(self.fields)

    @cached_property
    def _activities(self) -> dict[str, str]:
        return fold(self.activities)


class FormSourceMapping(SourceMapping):
    """A form builder's or scheduler's overrides: also per form."""

    #: form id or name → that form's defaults
    forms: Annotated[dict[str, FormSettings], AfterValidator(_no_case_twins)] = Field(
        default_factory=dict
    )

    def form(self, *names: str | None) -> FormSettings:
        return lookup(self._forms, *names) or FormSettings()

    @cached_property
    def _forms(self) -> dict[str, FormSettings]:
        return fold(self.forms)


class SourcesConfig(_Model):
    """The ``sources:`` section: one optional entry per vendor."""

    typeform: FormSourceMapping = FormSourceMapping()
    tally: FormSourceMapping = FormSourceMapping()
    webflow: FormSourceMapping = FormSourceMapping()
    calendly: FormSourceMapping = FormSourceMapping()
    segment: SourceMapping = SourceMapping()
    unbounce: FormSourceMapping = FormSourceMapping()
