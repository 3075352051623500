"""The ``qualification:`` section of the rules file: what sales answers when accepting a lead.

With no questions (the default) Accept takes one click. With questions, Accept
opens a modal asking them, and the answers are stored with the acceptance,
shown in the card's thread and sent to webhook subscribers; ``leadbot rules
insights`` then tells which answers went with won deals.

Each question has an id naming it where answers are stored and compared over
time: its ``key``, or else its label in lower case (``Decision maker?`` →
``decision_maker``). Give a ``key`` before rewording a label, so old and new
answers stay one question.

The limits are Slack's: an option's text may hold 75 characters, a select
menu 100 options. Ten questions at most keep Accept a minute's work (and fit
the ten fields of the thread reply's section).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

#: Slack limits of a ``static_select`` option text and of a menu's options
OPTION_TEXT_MAX = 75
OPTIONS_MAX = 100
#: a question's label: shown in the modal, the thread and insights
LABEL_MAX = 150
QUESTIONS_MAX = 10
KEY_MAX = 64

_KEY = re.compile(r"[a-z0-9][a-z0-9_]{0,63}")
_NOT_KEY = re.compile(r"[^a-z0-9]+")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


def _text_option(value: Any) -> Any:
    if not isinstance(value, str):
        raise ValueError(
            f"options must be text, not {value!r}: put it in quotes "
            "(YAML reads a bare yes or no as true or false, and 2026 as a number)"
        )
    return value


def _not_blank(value: str) -> str:
    if not value.strip():
        raise ValueError("must not be blank")
    return value


def _fits_a_menu(value: str) -> str:
    if len(value) > OPTION_TEXT_MAX:
        raise ValueError(f"at most {OPTION_TEXT_MAX} characters, Slack's limit for a menu option")
    return _not_blank(value)


Option = Annotated[str, BeforeValidator(_text_option), AfterValidator(_fits_a_menu)]
Label = Annotated[str, Field(max_length=LABEL_MAX), AfterValidator(_not_blank)]


def key_of(label: str) -> str:
    """The default key of a question: its label in lower case, words joined by ``_``."""
    return _NOT_KEY.sub("_", label.casefold()).strip("_")[:KEY_MAX].rstrip("_")


class Question(_Model):
    """One question of the Accept modal: a choice among options, or a short text."""

    label: Label
    kind: Literal["choice", "text"]
    #: the choices, for ``kind: choice`` only
    options: list[Option] | None = Field(default=None, max_length=OPTIONS_MAX)
    #: a required question must be answered before the lead is accepted
    required: bool = True
    #: names the question in storage and insights; ``id`` is ``key_of(label)`` without it
    key: str | None = None

    @property
    def id(self) -> str:
        return self.key or key_of(self.label)

    @model_validator(mode="after")
    def _consistent(self) -> Question:
        if self.kind == "choice" and (self.options is None or len(self.options) < 2):
            raise ValueError("a choice question needs options: a list of at least two")
        if self.kind == "text" and self.options is not None:
            raise ValueError("options are for kind: choice; a text question has none")
        if self.options is not None and len(set(self.options)) != len(self.options):
            raise ValueError("an option is listed twice")
        if not _KEY.fullmatch(self.id):
            raise ValueError(
                f"a key is lower-case letters, digits and _ (at most {KEY_MAX}), such as "
                "budget; give one (key:) when the label has no such letters to make it from"
            )
        return self


class QualificationConfig(_Model):
    """The ``qualification:`` section: the questions Accept asks, in order."""

    questions: list[Question] = Field(default_factory=list, max_length=QUESTIONS_MAX)

    @field_validator("questions")
    @classmethod
    def _unique_keys(cls, questions: list[Question]) -> list[Question]:
        keys = [q.id for q in questions]
        twice = next((k for k in keys if keys.count(k) > 1), None)
        if twice is not None:
            raise ValueError(f"two questions have the key {twice!r}: give one of them another key")
        return questions
