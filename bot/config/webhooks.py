"""The ``webhooks:`` section of the rules file: who hears about lead changes, and how.

Each subscriber has a name (the outbox target, shown by ``leadbot outbox
list``), a URL, a Standard Webhooks secret and the events it wants. The
secret is best given as ``secret_env: NAME`` so the rules file can be
committed; it is read when the server starts, so a missing variable stops
start-up instead of failing every delivery.
"""

from __future__ import annotations

import base64
import binascii
import os
import re
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

EventType = Literal[
    "lead.mql",
    "lead.accepted",
    "lead.rejected",
    "lead.recycled",
    "lead.disqualified",
    "lead.won",
    "lead.lost",
    "lead.reopened",
    "lead.erased",
    "lead.offered",
    "lead.assigned",
]
EVENT_TYPES: tuple[EventType, ...] = get_args(EventType)

_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")
_MIN_KEY_BYTES = 24


class WebhookSecretMissing(RuntimeError):
    """A subscriber's ``secret_env`` names a variable that is not set."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class Subscriber(_Model):
    """One receiver: where to send, how to sign, and which events it wants."""

    name: str
    url: str
    #: ``whsec_…``; prefer ``secret_env`` so the secret stays out of the file
    secret: str | None = Field(default=None, repr=False)
    secret_env: str | None = None
    #: the events to send; all of them when omitted
    events: list[EventType] = Field(default_factory=lambda: list(EVENT_TYPES), min_length=1)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise ValueError("use lower-case letters, digits, '-' and '_' (at most 63)")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not re.fullmatch(r"https?://[^\s/?#]+[^\s]*", value):
            raise ValueError("must be an http:// or https:// URL")
        return value

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value is not None:
            check_secret(value)
        return value

    @model_validator(mode="after")
    def _one_secret(self) -> Subscriber:
        if (self.secret is None) == (self.secret_env is None):
            raise ValueError("give exactly one of secret and secret_env")
        return self

    def signing_secret(self) -> str:
        """The ``whsec_…`` secret, read from the environment when ``secret_env`` names it."""
        if self.secret is not None:
            return self.secret
        assert self.secret_env is not None
        value = os.environ.get(self.secret_env)
        if not value:
            raise WebhookSecretMissing(
                f"webhooks.subscribers {self.name!r}: environment variable "
                f"{self.secret_env} (secret_env) is not set"
            )
        try:
            return check_secret(value)
        except ValueError as exc:
            raise WebhookSecretMissing(f"{self.secret_env}: {exc}") from None


class WebhooksConfig(_Model):
    """The ``webhooks:`` section of the rules file."""

    subscribers: list[Subscriber] = Field(default_factory=list)

    @field_validator("subscribers")
    @classmethod
    def _unique_names(cls, subscribers: list[Subscriber]) -> list[Subscriber]:
        names = [s.name for s in subscribers]
        if len(set(names)) != len(names):
            raise ValueError("subscriber names must be unique")
        return subscribers


def check_secret(value: str) -> str:
    """A Standard Webhooks secret: ``whsec_`` and base64 of at least 24 random bytes."""
    if not value.startswith("whsec_"):
        raise ValueError("must start with whsec_ (generate one with `leadbot secret`)")
    try:
        key = base64.b64decode(value.removeprefix("whsec_"), validate=True)
    except binascii.Error:
        raise ValueError("must be whsec_ followed by base64") from None
    if len(key) < _MIN_KEY_BYTES:
        raise ValueError(f"key too short, use at least {_MIN_KEY_BYTES} random bytes")
    return value
