"""The generic webhook's JSON contract, validated and normalised with pydantic.

Three event types share one envelope: ``lead.profile`` (create or update a
lead), ``lead.activity`` (something the lead did) and ``lead.outcome`` (a deal
won or lost). A request carries one event or ``{"events": [...]}``.

Unknown *profile* fields are custom CRM fields and are kept as attributes;
unknown fields anywhere else are mistakes and are refused, so a typo such as
``ocurred_at`` never silently loses data.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any, Literal

import orjson
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError

from bot.core.normalise import (
    clean_text,
    is_currency,
    normalise_company_size,
    normalise_country,
    normalise_email,
    normalise_phone,
)
from bot.leads.event_errors import describe
from bot.leads.json_limits import json_problems

MAX_BATCH = 1000
#: longest delivery id (``webhook-id``) taken: it names the events that carry no id of their own
MAX_DELIVERY_ID = 200
#: the most JSON one event may carry in free-form fields (custom fields, properties)
MAX_FREE_FORM_BYTES = 32 * 1024
#: how far in the future an ``occurred_at`` may lie (clock skew), not further
FUTURE_TOLERANCE = timedelta(hours=1)

Text = Annotated[str, StringConstraints(max_length=300)]
Name = Annotated[str, StringConstraints(max_length=200)]
ActivityType = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_.:-]{0,63}$")]
AttributeKey = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.:-]{1,64}$")]


#: the times an event may carry: beyond them, converting to UTC overflows (year 1, 9999)
EARLIEST, LATEST = datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC)


def _storable(value: datetime) -> datetime:
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        utc = None
    if utc is None or not EARLIEST <= utc < LATEST:
        raise ValueError(f"must lie between {EARLIEST.year} and {LATEST.year}")
    return utc


Timestamp = Annotated[AwareDatetime, AfterValidator(_storable)]
_attribute_key = TypeAdapter(AttributeKey)

#: the email of an event whose source named none; the writer finds the lead by its aliases
UNKNOWN_EMAIL = ""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class LeadIn(BaseModel):
    """A lead's profile as a source sends it; every field but ``email`` is optional."""

    model_config = ConfigDict(extra="allow", str_strip_whitespace=True)

    #: required, except from a lead source that may know the person only by its own id
    email: Annotated[str, StringConstraints(max_length=320)] | None = Field(
        default=None, validate_default=True
    )
    first_name: Name | None = None
    last_name: Name | None = None
    name: Name | None = Field(
        default=None, description="Split into first/last when those are unset"
    )
    company: Text | None = None
    job_title: Text | None = None
    country: Annotated[str, StringConstraints(max_length=100)] | None = None
    company_size: int | Annotated[str, StringConstraints(max_length=50)] | None = None
    industry: Name | None = None
    phone: Annotated[str, StringConstraints(max_length=50)] | None = None
    website: Annotated[str, StringConstraints(max_length=500)] | None = None
    source: Name | None = None
    campaign: Text | None = None
    utm: dict[AttributeKey, Annotated[str, StringConstraints(max_length=500)]] | None = None
    attributes: dict[AttributeKey, Any] | None = None

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None, info: ValidationInfo) -> str:
        if value is not None:
            return normalise_email(value)
        if info.context and info.context.get("anonymous"):
            return UNKNOWN_EMAIL
        raise PydanticCustomError("missing", "Field required")

    @model_validator(mode="after")
    def _extra_keys_are_attribute_names(self) -> LeadIn:
        for key in self.model_extra or {}:
            _attribute_key.validate_python(key)
        return self


class ActivityIn(_Strict):
    type: ActivityType
    occurred_at: Timestamp | None = None
    properties: dict[AttributeKey, Any] = Field(default_factory=dict)


class OutcomeIn(_Strict):
    result: Literal["won", "lost"]
    amount: float | None = Field(default=None, ge=0, le=1e12)
    currency: Annotated[str, StringConstraints(min_length=3, max_length=3)] | None = None
    closed_at: Timestamp | None = None
    reason: Text | None = None

    @field_validator("currency")
    @classmethod
    def _currency(cls, value: str | None) -> str | None:
        if value is not None and not is_currency(value):
            raise ValueError("not an ISO-4217 currency code")
        return value.upper() if value else None


class _Envelope(_Strict):
    id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    occurred_at: Timestamp | None = None
    lead: LeadIn


class ProfileEvent(_Envelope):
    type: Literal["lead.profile"]


class ActivityEvent(_Envelope):
    type: Literal["lead.activity"]
    activity: ActivityIn


class OutcomeEvent(_Envelope):
    type: Literal["lead.outcome"]
    outcome: OutcomeIn


EventIn = Annotated[ProfileEvent | ActivityEvent | OutcomeEvent, Field(discriminator="type")]


class BatchIn(_Strict):
    events: list[EventIn] = Field(min_length=1, max_length=MAX_BATCH)


_single = TypeAdapter(EventIn)


@dataclass(frozen=True, slots=True)
class Profile:
    """The normalised profile: only the fields the sender gave, ready to merge into a lead.

    Plain dataclasses from here on: the input is validated already, and
    building a pydantic model per event would validate it all over again.
    ``email`` is ``UNKNOWN_EMAIL`` when a lead source named none.
    """

    email: str
    fields: dict[str, Any]
    attributes: dict[str, Any]
    warnings: list[str]


@dataclass(frozen=True, slots=True)
class InboundEvent:
    """One validated, normalised event, ready for the writer."""

    external_id: str
    type: str
    occurred_at: datetime
    profile: Profile
    raw: dict[str, Any]
    activity: ActivityIn | None = None
    outcome: OutcomeIn | None = None
    #: a lead source's own ids for the person (a Segment user id): recorded for the lead
    #: when the event names an email, used to find the lead when it does not
    aliases: tuple[str, ...] = ()


class InvalidPayload(Exception):
    """Every problem in a request body, as ``(path, message)`` pairs."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{p}: {m}" for p, m in errors))
        self.errors = errors


def parse_events(
    document: Any, *, delivery_id: str, now: datetime, anonymous: bool = False
) -> list[InboundEvent]:
    """Validate a decoded JSON body into normalised events, or raise ``InvalidPayload``.

    An event without its own ``id`` takes the delivery's id (with its position
    in a batch), so a retried delivery is recognised as a duplicate. Values
    the database cannot keep (``bot.leads.json_limits``) are refused first,
    so whatever passes here can be stored. ``anonymous`` lets a lead name no
    email (a lead source's translation, whose aliases may find the lead).
    """
    if len(delivery_id) > MAX_DELIVERY_ID:
        raise InvalidPayload([("webhook-id", f"must be at most {MAX_DELIVERY_ID} characters")])
    if problems := json_problems(document):
        raise InvalidPayload(problems)
    batch = isinstance(document, dict) and "events" in document
    context = {"anonymous": anonymous}
    try:
        events = (
            BatchIn.model_validate(document, context=context).events
            if batch
            else [_single.validate_python(document, context=context)]
        )
    except ValidationError as exc:
        raise InvalidPayload(describe(exc)) from None
    future_errors = [
        (f"{_prefix(batch, i)}occurred_at", "lies in the future")
        for i, event in enumerate(events)
        if _occurred_at(event, now) > now + FUTURE_TOLERANCE
    ]
    if future_errors:
        raise InvalidPayload(future_errors)
    if size_errors := [
        (
            f"{_prefix(batch, i)}{place}",
            f"holds {size} bytes of JSON; at most {MAX_FREE_FORM_BYTES}",
        )
        for i, event in enumerate(events)
        for place, value in _free_form(event)
        if (size := len(orjson.dumps(value))) > MAX_FREE_FORM_BYTES
    ]:
        raise InvalidPayload(size_errors)
    return [
        InboundEvent(
            external_id=event.id or (f"{delivery_id}#{i}" if batch else delivery_id),
            type=event.type,
            occurred_at=_occurred_at(event, now),
            profile=_profile(event.lead),
            activity=event.activity if isinstance(event, ActivityEvent) else None,
            outcome=event.outcome if isinstance(event, OutcomeEvent) else None,
            raw=document["events"][i] if batch else document,
        )
        for i, event in enumerate(events)
    ]


def _occurred_at(event: ProfileEvent | ActivityEvent | OutcomeEvent, now: datetime) -> datetime:
    stamp = event.occurred_at
    if isinstance(event, ActivityEvent) and event.activity.occurred_at is not None:
        stamp = event.activity.occurred_at
    return (stamp or now).astimezone(UTC)


def _profile(lead: LeadIn) -> Profile:
    fields: dict[str, Any] = {}
    attributes: dict[str, Any] = dict(lead.attributes or {})
    attributes.update(lead.model_extra or {})
    warnings: list[str] = []
    for name in (
        "first_name",
        "last_name",
        "company",
        "job_title",
        "industry",
        "website",
        "source",
        "campaign",
    ):
        value = getattr(lead, name)
        if value is not None and (cleaned := clean_text(value)) is not None:
            fields[name] = cleaned
    if lead.name and "first_name" not in fields and "last_name" not in fields:
        first, _, last = (clean_text(lead.name) or "").partition(" ")
        fields.update({k: v for k, v in (("first_name", first), ("last_name", last)) if v})
    if lead.country:
        if (country := normalise_country(lead.country)) is not None:
            fields["country"] = country
        else:
            attributes["country_unrecognised"] = lead.country
            warnings.append(
                f"lead.country: {lead.country!r} is not a known country; kept as attribute"
            )
    if lead.company_size is not None:
        if (size := normalise_company_size(lead.company_size)) is not None:
            fields["company_size"] = size
        else:
            attributes["company_size_unrecognised"] = lead.company_size
            warnings.append("lead.company_size: not a number or band; kept as attribute")
    if lead.phone:
        if (phone := normalise_phone(lead.phone, fields.get("country"))) is not None:
            fields["phone"] = phone
        else:
            attributes["phone_unrecognised"] = lead.phone
            warnings.append("lead.phone: not a possible phone number; kept as attribute")
    if lead.utm:
        fields["utm"] = dict(lead.utm)
    email = lead.email or UNKNOWN_EMAIL
    return Profile(email=email, fields=fields, attributes=attributes, warnings=warnings)


def _free_form(event: ProfileEvent | ActivityEvent | OutcomeEvent) -> list[tuple[str, Any]]:
    """The sender's own JSON in ``event``: custom profile fields and activity properties."""
    attributes = {**(event.lead.attributes or {}), **(event.lead.model_extra or {})}
    places: list[tuple[str, Any]] = [("lead.attributes", attributes)]
    if isinstance(event, ActivityEvent):
        places.append(("activity.properties", event.activity.properties))
    return places


def _prefix(batch: bool, index: int) -> str:
    return f"events[{index}]." if batch else ""
