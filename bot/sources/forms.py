"""Form answers → a lead: the defaults Typeform, Tally, Webflow, Unbounce and Calendly share.

Forms have no fixed fields: the email is whatever question was typed as
email, the company whatever question reads like one. Each answer finds its
place in this order:

1. the ``fields`` mapping of the rules file (by the question's id, ref,
   name or label, ignoring case);
2. its type: an email-typed answer is the email, a phone-typed one the phone;
3. its words: a label or name that reads like first name, last name, name,
   company, job title, phone, country, company size, website, industry,
   email, source or campaign (short answers only: a long text that mentions
   "company" is not a company name);
4. ``utm_*`` names go to ``utm``;
5. everything else is kept as ``attributes.<slug>`` so rules can score it.

The first answer to claim a field keeps it (by the order above, then form
order); later ones become attributes. A new question added to a form never
breaks ingestion: at worst it is a new attribute.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from bot.config.sources import IGNORE, FormSettings, FormSourceMapping, SourceMapping
from bot.sources.delivery import SourceEvent
from bot.sources.naming import slug, words

Kind = Literal[
    "email", "phone", "url", "text", "long_text", "choice", "number", "boolean", "date",
    "file", "hidden", "other",
]  # fmt: skip

#: answer kinds whose value can be a name, a company, a country…: short and single
_SHORT = frozenset({"email", "phone", "url", "text", "choice", "number", "hidden"})
_BY_KIND = {"email": "email", "phone": "phone"}

#: (lead field, pattern on the label's words), most specific first: "company
#: website" is a website, "company size" a size, "your role at the company" a title
_HEURISTICS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("email", r"\be ?mail\b"),
        ("phone", r"\b(phone|mobile|cell|telephone|tel|whatsapp)\b"),
        ("website", r"\b(website|web site|homepage|url|domain)\b"),
        (
            "company_size",
            r"\b(company size|team size|organi[sz]ation size|employees|employee count|"
            r"headcount|how many people|number of people)\b",
        ),
        ("first_name", r"\b(first ?name|given name|forename|fname|prenom|vorname)\b"),
        ("last_name", r"\b(last ?name|surname|family name|lname|nachname)\b"),
        ("job_title", r"\b(job|title|role|position|designation|occupation)\b"),
        ("company", r"\b(company|organi[sz]ation|business|employer|firm|firma|org)\b"),
        ("name", r"^(\w+ ){0,2}name$|\b(your|full) name\b|^(nombre|nom|nome|naam)\b"),
        ("country", r"\bcountry\b"),
        ("industry", r"\b(industry|sector|vertical)\b"),
        ("source", r"^(lead )?source$"),
        ("campaign", r"^campaign$"),
    )
)
_UTM = re.compile(r"utm_[a-z0-9_]+")
#: what ``_reads_like`` says of a utm_* name: not a field of its own, never guessed further
_UTM_NAME = "utm"

#: claim priorities: an explicit mapping beats the type, the type beats the words
_MAPPED, _TYPED, _GUESSED = 0, 1, 2


@dataclass(frozen=True)
class Answer:
    """One answered question, as the vendor module read it.

    ``ids`` are the vendor's identifiers for the question (ref, key, field
    name), ``name`` the one its author chose when there is one (a Typeform
    ref, an Unbounce field id); the attribute key is made from ``name``, else
    from the label.
    """

    ids: tuple[str, ...]
    label: str
    value: Any
    kind: Kind = "text"
    name: str | None = None

    @property
    def key(self) -> str | None:
        """The attribute key this answer is kept under when no field claims it."""
        for text in (self.name, self.label, *self.ids):
            if text and (key := slug(text)):
                return key
        return None


def form_event(
    key: str,
    raw: Any,
    answers: Sequence[Answer],
    mapping: FormSourceMapping,
    *,
    source: str,
    form_id: Any,
    form_name: Any,
    occurred_at: datetime,
    details: Mapping[str, Any] | None = None,
    aliases: tuple[str, ...] = (),
    activity: str = "form_submit",
) -> SourceEvent:
    """A submitted form as a ``lead.activity``: the answers' lead, the form's id and name.

    The rules file may name the form (by id or name) to set its activity type,
    source and campaign, or rename the activity for every form of the vendor.
    """
    form = mapping.form(form_id, form_name)
    properties = {"form_id": form_id, "form_name": form_name, **(details or {})}
    document = {
        "id": key,
        "type": "lead.activity",
        "occurred_at": occurred_at.isoformat(),
        "lead": lead_from_answers(answers, mapping, form=form, default_source=source),
        "activity": {
            "type": form.activity or mapping.activity(activity),
            "properties": {k: v for k, v in properties.items() if v not in (None, "", {})},
        },
    }
    return SourceEvent(document, raw, aliases=aliases)


def lead_from_answers(
    answers: Sequence[Answer],
    mapping: SourceMapping,
    *,
    form: FormSettings,
    default_source: str,
    known: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The ``lead`` of a generic event document for these answers.

    ``known`` maps ids the vendor fixes itself (Segment's reserved traits) to
    their fields; the rules file's mapping still comes first.
    """
    targets = [_mapped(answer, mapping, known or {}) for answer in answers]
    claims = sorted(
        claim
        for index, (answer, target) in enumerate(zip(answers, targets, strict=True))
        if (claim := _claim(answer, target, index)) is not None
    )
    fields: dict[str, Any] = {}
    claimed: set[int] = set()
    for _, index, target, value in claims:
        if target not in fields:
            fields[target] = value
            claimed.add(index)
    lead = {k: _field_value(k, v) for k, v in fields.items() if "." not in k}
    utm = {k.removeprefix("utm."): str(v) for k, v in fields.items() if k.startswith("utm.")}
    attributes = {
        k.removeprefix("attributes."): v for k, v in fields.items() if k.startswith("attributes.")
    }
    for index, (answer, mapped) in enumerate(zip(answers, targets, strict=True)):
        if index in claimed or mapped == IGNORE or _empty(answer.value):
            continue
        key = answer.key
        if key is None:
            continue
        if _UTM.fullmatch(key) and (text := _scalar(answer.value)) is not None:
            utm.setdefault(key, str(text))
        else:
            attributes[_unique(key, attributes)] = answer.value
    lead["source"] = (
        lead.get("source")
        or form.source
        or mapping.source
        or utm.get("utm_source")
        or default_source
    )
    campaign = lead.get("campaign") or form.campaign or mapping.campaign or utm.get("utm_campaign")
    if campaign:
        lead["campaign"] = campaign
    if utm:
        lead["utm"] = utm
    if attributes:
        lead["attributes"] = attributes
    return lead


def _mapped(answer: Answer, mapping: SourceMapping, known: Mapping[str, str]) -> str | None:
    """The target the rules file (or the vendor's fixed ids) gives the answer, if any."""
    if mapping.fields:
        target = mapping.field_target(*answer.ids, answer.name, answer.label, answer.key)
        if target is not None:
            return target
    return next((known[i] for i in answer.ids if i in known), None)


def _claim(answer: Answer, target: str | None, index: int) -> tuple[int, int, str, Any] | None:
    """(priority, position, field, value) when the answer fills a field, else None."""
    if _empty(answer.value) or target == IGNORE:
        return None
    if target is not None:
        if target.startswith("attributes."):
            return _MAPPED, index, target, answer.value
        value = _scalar(answer.value)
        return (_MAPPED, index, target, value) if value is not None else None
    if answer.kind not in _SHORT or (value := _scalar(answer.value)) is None:
        return None
    if answer.kind in _BY_KIND:
        return _TYPED, index, _BY_KIND[answer.kind], value
    guessed = next((f for text in (answer.name, answer.label) if (f := _reads_like(text))), None)
    if guessed is None or guessed == _UTM_NAME or (guessed == "email" and "@" not in str(value)):
        return None
    return _GUESSED, index, guessed, value


@lru_cache(maxsize=4096)
def _reads_like(text: str | None) -> str | None:
    """The field a name or label reads like (cached: a form's labels repeat in every delivery).

    Never asked of ids: random ids hold words ("xTelOrg").
    """
    if not text:
        return None
    if _UTM.fullmatch(slug(text) or ""):
        return _UTM_NAME
    said = words(text)
    return next((field for field, pattern in _HEURISTICS if pattern.search(said)), None)


def _empty(value: Any) -> bool:
    return value is None or (isinstance(value, str | list | dict) and not value)


def _scalar(value: Any) -> str | int | float | None:
    """A value that can fill a profile field: text or a number (a one-item choice counts)."""
    if isinstance(value, list) and len(value) == 1:
        value = value[0]
    if isinstance(value, bool):
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, int | float):
        return value
    return None


def _field_value(field: str, value: Any) -> Any:
    """Profile fields are text, except a company size, which may be a head count.

    A phone number sent as a JSON number has lost its ``+`` (and any leading
    zero): only an international number survives that, so it is read as one.
    """
    if isinstance(value, str):
        return value
    if field == "company_size":
        return int(value)
    if field == "phone" and isinstance(value, int):
        return f"+{value}"
    return str(value)


def _unique(key: str, taken: dict[str, Any]) -> str:
    if key not in taken:
        return key
    number = 2
    while f"{key[:60]}_{number}" in taken:
        number += 1
    return f"{key[:60]}_{number}"
